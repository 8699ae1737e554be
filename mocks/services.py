"""Requesting a mock (DESIGN.md, "Mock interviews"): windows entered on the member's wall clock
become UTC instants, each checked (at least 95 minutes, not begun, within the next 14 days);
one open request per kind, and none while the member's requests are paused (mocks.strikes)."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Sequence

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User

from .emails import moment_in_words
from .models import MockRequest
from .strikes import paused_until
from .tasks import match_requests

ROUND_LENGTH = dt.timedelta(minutes=95)  # two 45-minute rounds and a 5-minute break
HORIZON = dt.timedelta(days=14)


class RequestRefused(Exception):
    """The request cannot be made; the message says why, in words for the member."""


def on_the_clock(moment: dt.datetime, zone: str) -> dt.datetime | None:
    """A wall-clock time (naive) in `zone` as a UTC instant; None when the clocks skip it (the
    hour they go forward). A time that happens twice (the hour they go back) is its first."""
    tz = zoneinfo.ZoneInfo(zone)
    instant = moment.replace(tzinfo=tz, fold=0).astimezone(dt.UTC)
    if instant.astimezone(tz).replace(tzinfo=None) != moment:
        return None
    return instant


def window_errors(
    start: dt.datetime, end: dt.datetime, zone: str, now: dt.datetime
) -> tuple[tuple[dt.datetime, dt.datetime] | None, str | None]:
    """One window on the member's clock (naive, in `zone`) as UTC instants, or why it cannot
    be used. The minutes are real ones: a window across a clock change is as long as it lasts."""
    try:
        begins, ends = on_the_clock(start, zone), on_the_clock(end, zone)
    except OverflowError:  # a date near year 1 or 9999 leaves the calendar once in UTC
        return None, "Windows can be up to 14 days ahead: choose a time in the next 14 days."
    if begins is None or ends is None:
        skipped = start if begins is None else end
        return None, (
            f"{skipped:%H:%M} on {skipped:%-d %B %Y} does not exist in {zone}: the clocks go "
            "forward that night and skip it. Choose a time outside the skipped hour."
        )
    if ends - begins < ROUND_LENGTH:
        return None, "A window needs at least 95 minutes: two 45-minute rounds and a break."
    if begins < now:
        return None, "This window has begun already: choose a time ahead."
    if ends > now + HORIZON:
        return None, "Windows can be up to 14 days ahead."
    return (begins, ends), None


@transaction.atomic
def request_create(
    *,
    user: User,
    kind: str,
    tier: str,
    level: str,
    focus: str,
    time_zone: str,
    windows: Sequence[tuple[dt.datetime, dt.datetime]],
) -> MockRequest:
    """The member's open request of this kind; refused when they have one already, or while
    their requests are paused."""
    until = paused_until(user, timezone.now())
    if until is not None:
        raise RequestRefused(
            f"Your requests are paused until {moment_in_words(until, time_zone)}: two late "
            "cancels or no-shows within 30 days pause them for 14 days."
        )
    if MockRequest.objects.filter(user=user, kind=kind, status=MockRequest.Status.OPEN).exists():
        raise RequestRefused(
            "You already have an open request for this kind of mock: withdraw it to make another."
        )
    ordered = sorted(windows)
    try:
        with transaction.atomic():
            made = MockRequest.objects.create(
                user=user,
                kind=kind,
                tier=tier,
                level=level,
                focus=focus,
                time_zone=time_zone,
                windows=[[start.isoformat(), end.isoformat()] for start, end in ordered],
                created_at=timezone.now(),
            )
    except IntegrityError:  # the same request sent twice at once
        raise RequestRefused("You already have an open request for this kind of mock.") from None
    # A pass of the matcher once the request is in, besides beat's one a minute.
    transaction.on_commit(match_requests.delay)
    return made


def open_requests(user: User) -> list[MockRequest]:
    return list(
        MockRequest.objects.filter(user=user, status=MockRequest.Status.OPEN).order_by("kind")
    )


def expired_requests(user: User, now: dt.datetime) -> list[MockRequest]:
    """The member's requests that expired unmatched lately (made in the last three weeks: two
    for their windows, one to read about it)."""
    return list(
        MockRequest.objects.filter(
            user=user,
            status=MockRequest.Status.EXPIRED,
            created_at__gte=now - HORIZON - dt.timedelta(days=7),
        ).order_by("-created_at")
    )


@transaction.atomic
def request_withdraw(*, user: User, pk: int) -> MockRequest:
    """The member's open request withdrawn (not matched yet: a booking is cancelled instead)."""
    found = MockRequest.objects.select_for_update().filter(pk=pk, user=user).first()
    if found is None:
        raise RequestRefused("No such request.")
    if found.status != MockRequest.Status.OPEN:
        raise RequestRefused("This request is not waiting any more: it was matched or withdrawn.")
    found.status = MockRequest.Status.WITHDRAWN
    found.save(update_fields=["status"])
    return found
