"""The matcher (DESIGN.md, "Mock interviews", Matching): two open requests of the same kind
whose windows share 95 minutes starting at least two hours ahead, booked at the earliest shared
start on a quarter hour. Preference: the same tier and focus, then the same tier, then (once the
older of the two has waited 24 hours) any tier. Never two members who blocked or reported each
other (a report blocks too), never a member in two bookings that overlap.

A pass takes the open requests in queue order: those put back at the front (their partner
cancelled at least 12 hours ahead: `requeued_at`, earliest first), then the rest oldest first.
Each in turn is booked with its best partner among the requests not booked yet. Finding that
partner is what a big queue costs, so the requests are grouped by kind and tier (and focus), each
group sorted by its earliest usable start, and a group is read only as far as a start earlier
than the best found so far is still possible. Windows are parsed and cut to "two hours from
now" once per pass. The result is the same as comparing every pair (bench/matcher.sh compares
the bookings with those of the pass that did).

Several passes at once (beat's each minute, one after each new request, on several workers):
a pass reads the queue without locking it and chooses its pairs, then books them a few dozen to
a transaction; each booking locks its two requests and two members with `SKIP LOCKED` and checks
again that both requests are still open and both members still free at that time. So no request
is booked twice and no member is in two bookings at once, whatever passes run together, and
nobody waits long on a pass: a member withdrawing a request, or another pass, is held up by one
batch of bookings at most, never by a whole pass.

A pair whose rows another pass holds, or that another pass booked meanwhile, is left for the
next pass (the requests it had chosen are not offered to others in this one). Passes converge
all the same: a pass that runs alone leaves no two open requests that could be booked together,
and a pass beside another books what the other did not take
(tests/mocks/test_matching_concurrency.py shows both with 200 requests and two workers).
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict
from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from accounts.models import User
from billing.entitlements import with_premium_access

from .emails import booked_emails_queue
from .models import Block, Booking, MockRequest
from .rounds import rounds_create
from .services import ROUND_LENGTH
from .strikes import paused_members

LEAD = dt.timedelta(hours=2)  # a booking starts at least this far ahead
QUARTER = dt.timedelta(minutes=15)
ANY_TIER_AFTER = dt.timedelta(hours=24)
# Bookings made in one transaction: fewer commits, and locks held for a fraction of a second.
BOOKINGS_PER_TRANSACTION = 50

Span = tuple[dt.datetime, dt.datetime]


def windows_of(request: MockRequest) -> list[Span]:
    return [
        (dt.datetime.fromisoformat(a), dt.datetime.fromisoformat(b)) for a, b in request.windows
    ]


def on_a_quarter(moment: dt.datetime) -> dt.datetime:
    """The first quarter hour at or after `moment`."""
    floor = moment.replace(minute=moment.minute - moment.minute % 15, second=0, microsecond=0)
    return floor if floor == moment else floor + QUARTER


def usable(windows: Iterable[Span], not_before: dt.datetime) -> list[Span]:
    """Each window's stretch a booking could start in: from its first quarter hour at or after
    `not_before` until 95 minutes before its end; windows with no such start left out."""
    spans = []
    for start, end in windows:
        first = on_a_quarter(max(start, not_before))
        if first + ROUND_LENGTH <= end:
            spans.append((first, end))
    return sorted(spans)


def overlaps(start: dt.datetime, busy: list[Span]) -> bool:
    end = start + ROUND_LENGTH
    return any(start < other_end and other_start < end for other_start, other_end in busy)


def earliest_start(first: list[Span], second: list[Span], busy: list[Span]) -> dt.datetime | None:
    """The earliest quarter hour both are free for a whole booking, clear of `busy`. Both lists
    come from `usable`: every start in them is on a quarter hour and late enough."""
    found: dt.datetime | None = None
    for a_start, a_end in first:
        if found is not None and a_start >= found:
            break  # sorted: no later window can start earlier
        for b_start, b_end in second:
            start = max(a_start, b_start)
            last = min(a_end, b_end) - ROUND_LENGTH
            while start <= last and (found is None or start < found):
                if not overlaps(start, busy):
                    found = start
                    break
                start += QUARTER
    return found


def focus_key(request: MockRequest) -> str:
    return request.focus.strip().lower()


def preference(one: MockRequest, other: MockRequest, now: dt.datetime) -> int | None:
    """0: same tier and focus; 1: same tier; 2: any tier, once the older of the two has waited
    a day."""
    if one.tier == other.tier:
        return 0 if focus_key(one) == focus_key(other) else 1
    if now - min(one.created_at, other.created_at) >= ANY_TIER_AFTER:
        return 2
    return None


class Queue:
    """The open requests of one pass, in queue order, and grouped so that a request's best
    partner is found by reading few others: by kind and tier, and by kind, tier and focus, each
    group sorted by its requests' earliest usable start."""

    def __init__(self, requests: list[MockRequest], now: dt.datetime) -> None:
        self.now = now
        self.order = requests  # the queue's order
        self.spans = {r.pk: usable(windows_of(r), now + LEAD) for r in requests}
        self.taken: set[int] = set()
        self.by_tier: dict[tuple[str, str], list[MockRequest]] = defaultdict(list)
        self.by_focus: dict[tuple[str, str, str], list[MockRequest]] = defaultdict(list)
        for request in sorted(requests, key=lambda r: (self.spans[r.pk][:1], r.pk)):
            if self.spans[request.pk]:  # no usable window: nobody to pair it with this pass
                self.by_tier[request.kind, request.tier].append(request)
                self.by_focus[request.kind, request.tier, focus_key(request)].append(request)

    def ranks(self, request: MockRequest) -> Iterable[list[list[MockRequest]]]:
        """The groups to read for `request`, best preference first: the same tier and focus;
        the same tier (the same focus again, harmlessly: those have no start); the other two
        tiers."""
        yield [self.by_focus[request.kind, request.tier, focus_key(request)]]
        yield [self.by_tier[request.kind, request.tier]]
        yield [self.by_tier[request.kind, t] for t in MockRequest.Tier.values if t != request.tier]

    def best_partner(
        self, request: MockRequest, apart: set[tuple[int, int]], busy: dict[int, list[Span]]
    ) -> tuple[MockRequest, dt.datetime] | None:
        """The open request to book `request` with, and when: the best preference, then the
        earliest start, then the lowest id (as comparing it with every other would choose)."""
        mine = self.spans[request.pk]
        if not mine:
            return None
        for groups in self.ranks(request):
            best: tuple[dt.datetime, int] | None = None
            partner: MockRequest | None = None
            for group in groups:
                for other in group:
                    theirs = self.spans[other.pk]
                    if best is not None and theirs[0][0] > best[0]:
                        break  # sorted by earliest start: nobody further on starts sooner
                    if (
                        other.pk == request.pk
                        or other.pk in self.taken
                        or other.user_id == request.user_id
                        or pair_of(request.user_id, other.user_id) in apart
                        or preference(request, other, self.now) is None
                    ):
                        continue
                    start = earliest_start(
                        mine, theirs, busy.get(request.user_id, []) + busy.get(other.user_id, [])
                    )
                    if start is not None and (best is None or (start, other.pk) < best):
                        best, partner = (start, other.pk), other
            if best is not None and partner is not None:
                return partner, best[0]
        return None

    def pairs(
        self, apart: set[tuple[int, int]], busy: dict[int, list[Span]]
    ) -> list[tuple[MockRequest, MockRequest, dt.datetime]]:
        """Whom to book with whom and when: each request in queue order with its best partner
        among those not booked yet, each member's new booking counted as busy from then on."""
        found = []
        for request in self.order:
            if request.pk in self.taken:
                continue
            best = self.best_partner(request, apart, busy)
            if best is None:
                continue
            partner, start = best
            found.append((request, partner, start))
            self.book(request, partner)
            for member in (request.user_id, partner.user_id):
                busy.setdefault(member, []).append((start, start + ROUND_LENGTH))
        return found

    def book(self, *requests: MockRequest) -> None:
        """These are booked: out of every group (compacted now and then, so that a long queue's
        booked requests are not read again and again)."""
        self.taken.update(r.pk for r in requests)
        for request in requests:
            for group in (
                self.by_tier[request.kind, request.tier],
                self.by_focus[request.kind, request.tier, focus_key(request)],
            ):
                if len(group) > 64 and sum(r.pk in self.taken for r in group[:64]) > 32:
                    group[:] = [r for r in group if r.pk not in self.taken]


def pair_of(one: int, other: int) -> tuple[int, int]:
    return (one, other) if one < other else (other, one)


def kept_apart(users: set[int]) -> set[tuple[int, int]]:
    """Pairs of these members who must never meet: one blocked the other (a report blocks too,
    mocks.safety)."""
    pairs = Block.objects.filter(Q(member__in=users) | Q(blocked__in=users)).values_list(
        "member", "blocked"
    )
    return {pair_of(a, b) for a, b in pairs}


def _busy(user_ids: set[int], now: dt.datetime) -> dict[int, list[Span]]:
    busy: dict[int, list[Span]] = defaultdict(list)
    bookings = Booking.objects.filter(
        status=Booking.Status.BOOKED, ends_at__gt=now, members__in=user_ids
    ).values_list("members", "starts_at", "ends_at")
    for member, starts_at, ends_at in bookings:
        busy[member].append((starts_at, ends_at))
    return busy


def match_open_requests(now: dt.datetime | None = None) -> list[Booking]:
    """One pass over the open requests: whom to book with whom, then the bookings made, a few
    dozen to a transaction."""
    now = now or timezone.now()
    requests = list(
        MockRequest.objects.filter(status=MockRequest.Status.OPEN)
        .select_related("user")  # the rounds name each member
        .order_by(F("requeued_at").asc(nulls_last=True), "created_at", "pk")
    )
    # A request none of whose windows can still hold a booking is over: it leaves the queue, and
    # the member is told on /mocks/ and may ask again.
    over = {r.pk for r in requests if not usable(windows_of(r), now + LEAD)}
    if over:
        MockRequest.objects.filter(pk__in=over, status=MockRequest.Status.OPEN).update(
            status=MockRequest.Status.EXPIRED
        )
        requests = [r for r in requests if r.pk not in over]
    # A paused member's request can be open (their partner cancelled in time and it was put
    # back): it waits, unmatched, until the pause is over.
    paused = paused_members({r.user_id for r in requests}, now)
    # A member whose premium access ended after they asked waits too, until it is back: a mock
    # is part of the subscription (billing.entitlements decides, in one query for them all).
    entitled = set(
        with_premium_access(User.objects.filter(pk__in={r.user_id for r in requests})).values_list(
            "pk", flat=True
        )
    )
    requests = [r for r in requests if r.user_id not in paused and r.user_id in entitled]
    users = {r.user_id for r in requests}
    pairs = Queue(requests, now).pairs(kept_apart(users), _busy(users, now))
    booked: list[Booking] = []
    for batch in itertools.batched(pairs, BOOKINGS_PER_TRANSACTION):
        with transaction.atomic():
            for first, second, start in batch:
                booking = _book(first, second, start, now)
                if booking is not None:
                    booked.append(booking)
    return booked


def _book(
    first: MockRequest, second: MockRequest, start: dt.datetime, now: dt.datetime
) -> Booking | None:
    """Book the pair, with both requests and both members' rows locked until the caller's
    transaction ends (else None: the next pass tries again), both requests still open and the
    members' bookings made meanwhile by another pass checked again."""
    pair = list(
        MockRequest.objects.select_for_update(skip_locked=True)
        .filter(pk__in=(first.pk, second.pk), status=MockRequest.Status.OPEN)
        .values_list("pk", flat=True)
    )
    if len(pair) != 2:
        return None
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
