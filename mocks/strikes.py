"""The pause rule (DESIGN.md, "Mock interviews", Booking): a cancel less than 12 hours ahead or
a no-show is a strike, and two strikes within 30 days pause the member's requests for 14 days
from the second. The pause is worked out from the strikes whenever it is asked, never stored,
so it ends by itself."""

from __future__ import annotations

import datetime as dt
import itertools

from accounts.models import User

from .models import Booking, MockRequest, Strike

STRIKE_WINDOW = dt.timedelta(days=30)
PAUSE = dt.timedelta(days=14)


def _recent_strikes(user: User, now: dt.datetime) -> list[dt.datetime]:
    """When each strike that can still matter was given, oldest first: a pause that has not
    ended starts at most PAUSE ago and its first strike at most STRIKE_WINDOW before that."""
    return list(
        Strike.objects.filter(
            member=user, created_at__gt=now - PAUSE - STRIKE_WINDOW, created_at__lte=now
        )
        .order_by("created_at")
        .values_list("created_at", flat=True)
    )


def paused_until(user: User, now: dt.datetime) -> dt.datetime | None:
    """When the member's pause ends, if they are paused now."""
    strikes = _recent_strikes(user, now)
    ends = [
        second + PAUSE
        for first, second in itertools.pairwise(strikes)
        if second - first <= STRIKE_WINDOW
    ]
    latest = max(ends, default=None)
    return latest if latest is not None and latest > now else None


def paused_members(users: set[int], now: dt.datetime) -> set[int]:
    """Which of these members are paused now (one query, for the matcher's pass)."""
    strikes: dict[int, list[dt.datetime]] = {}
    for member, created_at in (
        Strike.objects.filter(
            member__in=users, created_at__gt=now - PAUSE - STRIKE_WINDOW, created_at__lte=now
        )
        .order_by("created_at")
        .values_list("member", "created_at")
    ):
        strikes.setdefault(member, []).append(created_at)
    return {
        member
        for member, times in strikes.items()
        if any(
            second - first <= STRIKE_WINDOW and second + PAUSE > now
            for first, second in itertools.pairwise(times)
        )
    }


def next_strike_pauses_before(user: User, now: dt.datetime) -> dt.datetime | None:
    """Until when one more strike would pause the member (their last strike's 30 days), if it
    would and they are not paused now: what the request page warns of."""
    if paused_until(user, now) is not None:
        return None
    strikes = _recent_strikes(user, now)
    if not strikes or strikes[-1] + STRIKE_WINDOW <= now:
        return None
    return strikes[-1] + STRIKE_WINDOW


def strike_record(*, member: User, booking: Booking, cause: str, now: dt.datetime) -> Strike:
    """A strike for the member (one per booking, which the caller has locked). When it starts
    a pause, their open requests are withdrawn: they are not matched while paused."""
    strike = Strike.objects.create(member=member, booking=booking, cause=cause, created_at=now)
    if paused_until(member, now) is not None:
        MockRequest.objects.filter(user=member, status=MockRequest.Status.OPEN).update(
            status=MockRequest.Status.WITHDRAWN
        )
    return strike
