"""A member's bookings after the matcher made them: the list on /mocks/, cancelling, and
reporting a no-show (DESIGN.md, "Mock interviews", Booking).

Cancelling at least 12 hours ahead is free and puts the partner's request back in the queue at
its front (`requeued_at`; the canceller's is not reopened); later, it is a strike for the
canceller. A no-show is reported by one member from 10 minutes after the start until 48 hours
after, and is a strike for the other, once per booking. Every refusal says why in words for the
member; a booking they are not in is not found (the view answers 404)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from accounts.models import User

from .emails import (
    FREE_CANCEL_BEFORE,
    canceled_emails_queue,
    moment_in_words,
    no_show_email_queue,
    reminders_withdraw,
    span_in_words,
)
from .models import Booking, MockRequest, RoomVisit, Strike
from .people import peer_name
from .strikes import paused_until, strike_record
from .tasks import match_requests

NO_SHOW_FROM = dt.timedelta(minutes=10)
NO_SHOW_UNTIL = dt.timedelta(hours=48)


class BookingNotFound(Exception):
    """No booking of this id has the member in it."""


class BookingRefused(Exception):
    """The booking cannot be changed so; the message says why, in words for the member."""


@dataclass(frozen=True)
class BookingRow:
    """One of the member's bookings as /mocks/ lists it."""

    booking: Booking
    partner: str
    when: str
    started: bool
    cancel_is_free: bool
    free_cancel_until: str
    may_report_no_show: bool
    no_show_reported: bool


def _requests(booking: Booking, user: User) -> tuple[MockRequest, MockRequest]:
    """(the member's request, the partner's)."""
    if booking.first.user_id == user.pk:
        return booking.first, booking.second
    return booking.second, booking.first


def member_bookings(user: User, now: dt.datetime) -> list[BookingRow]:
    """The member's booked mocks not yet begun, and those begun in the last 48 hours (a no-show
    can be reported for them), earliest first."""
    bookings = (
        Booking.objects.filter(
            members=user, status=Booking.Status.BOOKED, starts_at__gt=now - NO_SHOW_UNTIL
        )
        .select_related("first__user", "second__user")
        .prefetch_related("strikes")
        .order_by("starts_at")
    )
    rows = []
    for booking in bookings:
        mine, theirs = _requests(booking, user)
        reported = any(s.cause == Strike.Cause.NO_SHOW for s in booking.strikes.all())
        rows.append(
            BookingRow(
                booking=booking,
                partner=peer_name(theirs.user),
                when=span_in_words(booking, mine.time_zone),
                started=booking.starts_at <= now,
                cancel_is_free=booking.starts_at - now >= FREE_CANCEL_BEFORE,
                free_cancel_until=moment_in_words(
                    booking.starts_at - FREE_CANCEL_BEFORE, mine.time_zone
                ),
                may_report_no_show=not reported
                and booking.starts_at + NO_SHOW_FROM <= now <= booking.starts_at + NO_SHOW_UNTIL,
                no_show_reported=reported,
            )
        )
    return rows


def member_zone(user: User) -> str:
    """The zone the member last requested in (their clock for the page's dates), else UTC."""
    latest = MockRequest.objects.filter(user=user).order_by("-created_at").first()
    return latest.time_zone if latest is not None else "UTC"


def _locked(user: User, pk: int) -> Booking:
    booking = (
        Booking.objects.select_for_update(of=("self",))
        .select_related("first__user", "second__user")
        .filter(pk=pk, members=user)
        .first()
    )
    if booking is None:
        raise BookingNotFound(pk)
    return booking


@dataclass(frozen=True)
class Cancelled:
    """What a cancel did: whether it counted (late), whether the partner's request is back in
    the queue or they had another open one, and the canceller's pause if it began."""

    booking: Booking
    late: bool
    reopened: bool
    kept_other: bool
    paused_until: dt.datetime | None


def _reopen(request: MockRequest, now: dt.datetime) -> bool:
    """The partner's request open again at the front of the queue; False (left as it is) when
    they have another open request of its kind, which the one-open-per-kind rule keeps."""
    if (
        MockRequest.objects.filter(user=request.user_id, kind=request.kind)
        .filter(status=MockRequest.Status.OPEN)
        .exclude(pk=request.pk)
        .exists()
    ):
        return False
    try:
        with transaction.atomic():  # one made at this moment loses the race to ours
            MockRequest.objects.filter(pk=request.pk).update(
                status=MockRequest.Status.OPEN, requeued_at=now, matched_at=None
            )
    except IntegrityError:
        return False
    return True


@transaction.atomic
def booking_cancel(*, user: User, pk: int, now: dt.datetime) -> Cancelled:
    """Cancel the member's booking, not begun: both get the cancellation and its invitation's
    CANCEL. At least 12 hours ahead the partner's request is reopened; later the canceller
    gets a strike."""
    booking = _locked(user, pk)
    if booking.status == Booking.Status.CANCELED:
        raise BookingRefused("This mock was cancelled already.")
    if booking.starts_at <= now:
        raise BookingRefused(
            "This mock has begun, so it can no longer be cancelled. If your partner did not "
            "come, report a no-show from 10 minutes after the start."
        )
    late = booking.starts_at - now < FREE_CANCEL_BEFORE
    booking.status = Booking.Status.CANCELED
    booking.canceled_at = now
    booking.canceled_by = user
    booking.sequence += 1
    booking.save(update_fields=["status", "canceled_at", "canceled_by", "sequence"])
    reminders_withdraw(booking)
    _, theirs = _requests(booking, user)
    reopened = kept_other = False
    paused = None
    if late:
        strike_record(member=user, booking=booking, cause=Strike.Cause.LATE_CANCEL, now=now)
        paused = paused_until(user, now)
    else:
        reopened = _reopen(theirs, now)
        kept_other = not reopened
        if reopened:
            transaction.on_commit(match_requests.delay)
    canceled_emails_queue(
        booking, late=late, reopened=reopened, kept_other=kept_other, paused_until=paused
    )
    return Cancelled(booking, late, reopened, kept_other, paused)


# A visit counts from this long before the start until the end.
VISIT_FROM = dt.timedelta(minutes=30)


def visit_record(booking: Booking, member_id: int, now: dt.datetime) -> None:
    """The member came to the room (its page or its pad): kept once, if it is around the
    booking's time, so no-show reports can be checked against it."""
    if booking.starts_at - VISIT_FROM <= now <= booking.ends_at:
        RoomVisit.objects.get_or_create(booking=booking, member_id=member_id, defaults={"at": now})


@transaction.atomic
def booking_no_show(*, user: User, pk: int, now: dt.datetime) -> str:
    """The member reports that their partner did not come: a strike for the partner, once per
    booking, and an email telling them. The partner's display name."""
    booking = _locked(user, pk)
    if booking.status == Booking.Status.CANCELED:
        raise BookingRefused("This mock was cancelled, so there is no no-show to report.")
    if now < booking.starts_at + NO_SHOW_FROM:
        raise BookingRefused("A no-show can be reported from 10 minutes after the start.")
    if now > booking.starts_at + NO_SHOW_UNTIL:
        raise BookingRefused("A no-show can be reported up to 48 hours after the start.")
    if booking.strikes.filter(cause=Strike.Cause.NO_SHOW).exists():
        raise BookingRefused("A no-show was reported for this mock already.")
    _, theirs = _requests(booking, user)
    if RoomVisit.objects.filter(booking=booking, member=theirs.user).exists():
        raise BookingRefused(
            f"{peer_name(theirs.user)} came to the room for this mock, so it cannot be reported "
            "as a no-show. If something else went wrong, report it from the room."
        )
    strike_record(member=theirs.user, booking=booking, cause=Strike.Cause.NO_SHOW, now=now)
    no_show_email_queue(booking, member=theirs.user, paused_until=paused_until(theirs.user, now))
    return peer_name(theirs.user)
