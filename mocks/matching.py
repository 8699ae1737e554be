"""The matcher (DESIGN.md, "Mock interviews", Matching): two open requests of the same kind
whose windows share 95 minutes starting at least two hours ahead, booked at the earliest shared
start on a quarter hour. Preference: the same tier and focus, then the same tier, then (once the
older request has waited 24 hours) any tier. Never two members who blocked each other, never a
member in two bookings that overlap.

Safe with several workers at once: a pass locks the open requests it will consider with
`SKIP LOCKED` (a request another pass holds is not seen), and each booking locks its two members'
rows the same way before it checks their other bookings, so no two passes can book a request, or
a member at one time, twice. A pair it could not lock waits for the next pass (beat runs one a
minute, and one runs after each new request)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from .emails import booked_emails_queue
from .models import Block, Booking, MockRequest
from .rounds import rounds_create
from .services import ROUND_LENGTH

LEAD = dt.timedelta(hours=2)  # a booking starts at least this far ahead
QUARTER = dt.timedelta(minutes=15)
ANY_TIER_AFTER = dt.timedelta(hours=24)

Span = tuple[dt.datetime, dt.datetime]


def windows_of(request: MockRequest) -> list[Span]:
    return [
        (dt.datetime.fromisoformat(a), dt.datetime.fromisoformat(b)) for a, b in request.windows
    ]


def on_a_quarter(moment: dt.datetime) -> dt.datetime:
    """The first quarter hour at or after `moment`."""
    floor = moment.replace(minute=moment.minute - moment.minute % 15, second=0, microsecond=0)
    return floor if floor == moment else floor + QUARTER


def preference(one: MockRequest, other: MockRequest, now: dt.datetime) -> int | None:
    """0: same tier and focus; 1: same tier; 2: any tier, once the older of the two has waited
    a day."""
    if one.tier == other.tier:
        return 0 if one.focus.strip().lower() == other.focus.strip().lower() else 1
    if now - min(one.created_at, other.created_at) >= ANY_TIER_AFTER:
        return 2
    return None


def overlaps(start: dt.datetime, busy: list[Span]) -> bool:
    end = start + ROUND_LENGTH
    return any(start < other_end and other_start < end for other_start, other_end in busy)


def earliest_start(
    first: list[Span], second: list[Span], not_before: dt.datetime, busy: list[Span]
) -> dt.datetime | None:
    """The earliest quarter hour both are free for a whole booking, clear of `busy`."""
    found: dt.datetime | None = None
    for a_start, a_end in first:
        for b_start, b_end in second:
            start = on_a_quarter(max(a_start, b_start, not_before))
            last = min(a_end, b_end) - ROUND_LENGTH
            while start <= last and (found is None or start < found):
                if not overlaps(start, busy):
                    found = start
                    break
                start += QUARTER
    return found


def _busy(user_ids: set[int], now: dt.datetime) -> dict[int, list[Span]]:
    busy: dict[int, list[Span]] = defaultdict(list)
    bookings = Booking.objects.filter(
        status=Booking.Status.BOOKED, ends_at__gt=now, members__in=user_ids
    ).values_list("members", "starts_at", "ends_at")
    for member, starts_at, ends_at in bookings:
        busy[member].append((starts_at, ends_at))
    return busy


def match_open_requests(now: dt.datetime | None = None) -> list[Booking]:
    """One pass over the open requests, oldest first: each booked with its best partner."""
    now = now or timezone.now()
    booked: list[Booking] = []
    with transaction.atomic():
        requests = list(
            MockRequest.objects.select_for_update(skip_locked=True)
            .filter(status=MockRequest.Status.OPEN)
            .order_by("created_at", "pk")
        )
        users = {r.user_id for r in requests}
        blocked = {
            frozenset(pair)
            for pair in Block.objects.filter(
                Q(member__in=users) | Q(blocked__in=users)
            ).values_list("member", "blocked")
        }
        busy = _busy(users, now)
        spans = {r.pk: windows_of(r) for r in requests}
        taken: set[int] = set()
        for older in requests:
            if older.pk in taken:
                continue
            best: tuple[int, dt.datetime, int] | None = None
            partner: MockRequest | None = None
            for newer in requests:
                if (
                    newer.pk == older.pk
                    or newer.pk in taken
                    or newer.kind != older.kind
                    or newer.user_id == older.user_id
                    or frozenset((older.user_id, newer.user_id)) in blocked
                ):
                    continue
                rank = preference(older, newer, now)
                if rank is None:
                    continue
                start = earliest_start(
                    spans[older.pk],
                    spans[newer.pk],
                    now + LEAD,
                    busy[older.user_id] + busy[newer.user_id],
                )
                if start is not None and (best is None or (rank, start, newer.pk) < best):
                    best, partner = (rank, start, newer.pk), newer
            if best is None or partner is None:
                continue
            booking = _book(older, partner, best[1], now)
            if booking is None:
                continue
            booked.append(booking)
            taken.update((older.pk, partner.pk))
            for member in (older.user_id, partner.user_id):
                busy[member].append((booking.starts_at, booking.ends_at))
    return booked


def _book(
    first: MockRequest, second: MockRequest, start: dt.datetime, now: dt.datetime
) -> Booking | None:
    """Book the pair, with both members' rows locked (else None: the next pass tries again) and
    their bookings made meanwhile by another pass checked again."""
    members = sorted((first.user_id, second.user_id))
    locked = list(
        get_user_model()
        .objects.select_for_update(skip_locked=True)
        .filter(pk__in=members)
        .values_list("pk", flat=True)
    )
    if sorted(locked) != members:
        return None
    fresh = _busy(set(members), now)
    if overlaps(start, fresh[first.user_id] + fresh[second.user_id]):
        return None
    booking = Booking.objects.create(
        kind=first.kind,
        starts_at=start,
        ends_at=start + ROUND_LENGTH,
        first=first,
        second=second,
        created_at=now,
    )
    booking.members.set(members)
    rounds_create(booking)
    MockRequest.objects.filter(pk__in=(first.pk, second.pk)).update(
        status=MockRequest.Status.MATCHED, matched_at=now
    )
    booked_emails_queue(booking)
    return booking
