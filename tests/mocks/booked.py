"""Bookings for the tests of what follows a match: made by the real matcher (`book`), or as
the matcher makes one without running it (`booked`: two matched requests, the booking, its two
rounds); and readers of what was emailed."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
from typing import Any

from django.core import mail
from icalendar import Calendar

from accounts.models import User
from billing.models import ComplimentaryAccess
from mocks.matching import match_open_requests
from mocks.models import Booking, Feedback, MockRequest, Round
from mocks.rounds import rounds_create
from mocks.rubric import axes_for
from mocks.services import ROUND_LENGTH
from tests.factories import UserFactory

NOW = dt.datetime(2026, 12, 7, 12, 0, tzinfo=dt.UTC)


def premium(user: User) -> User:
    """The member with premium access (complimentary, for good): the matcher books no one else."""
    ComplimentaryAccess.objects.get_or_create(
        user=user, defaults={"expires_at": dt.datetime(2100, 1, 1, tzinfo=dt.UTC)}
    )
    return user


def open_request(
    user: User,
    start_hours: float,
    zone: str = "UTC",
    kind: str = "technical",
    now: dt.datetime = NOW,
) -> MockRequest:
    """An open request with one 4-hour window from `start_hours` after `now`."""
    start = now + dt.timedelta(hours=start_hours)
    return MockRequest.objects.create(
        user=premium(user),
        kind=kind,
        tier="big-tech",
        level="mid",
        focus="graphs",
        time_zone=zone,
        windows=[[start.isoformat(), (start + dt.timedelta(hours=4)).isoformat()]],
        created_at=now - dt.timedelta(minutes=5),
    )


def book(
    one: User,
    two: User,
    *,
    hours_ahead: float = 30,
    zones: tuple[str, str] = ("UTC", "UTC"),
    capture: Any = None,
    now: dt.datetime = NOW,
) -> Booking:
    """The two members booked by the matcher at `now`, `hours_ahead` hours from then; with
    `capture` (django_capture_on_commit_callbacks) the emails queued after commit are sent."""
    open_request(one, hours_ahead, zones[0], now=now)
    open_request(two, hours_ahead, zones[1], now=now)
    if capture is None:
        (booking,) = match_open_requests(now)
        return booking
    with capture(execute=True):
        (booking,) = match_open_requests(now)
    return booking


def sent_to(user: User, subject_has: str = "") -> list[Any]:
    return [m for m in mail.outbox if m.to == [user.email] and subject_has in m.subject]


def calendar_part(message: Any) -> email.message.EmailMessage:
    """The text/calendar part of a sent message, as a mail client reads it."""
    parsed = email.message_from_bytes(message.message().as_bytes(), policy=email.policy.default)
    (part,) = [p for p in parsed.walk() if p.get_content_type() == "text/calendar"]
    return part  # type: ignore[return-value]


def invitation_of(message: Any) -> Calendar:
    return Calendar.from_ical(calendar_part(message).get_content())


def html_of(message: Any) -> str:
    return message.alternatives[0].content


def matched(user: User, kind: str, zone: str, created: dt.datetime) -> MockRequest:
    return MockRequest.objects.create(
        user=user,
        kind=kind,
        tier="growth",
        level="mid",
        focus="graphs" if kind == "technical" else "caching",
        time_zone=zone,
        windows=[],
        status=MockRequest.Status.MATCHED,
        created_at=created,
        matched_at=created + dt.timedelta(hours=1),
    )


def booked(
    starts_at: dt.datetime,
    *,
    first: User | None = None,
    second: User | None = None,
    kind: str = "technical",
    zones: tuple[str, str] = ("UTC", "UTC"),
) -> Booking:
    """A booking from `starts_at`: round 1's candidate is `first`, round 2's is `second`."""
    first = first or UserFactory(name="Ada")
    second = second or UserFactory(name="Grace")
    created = starts_at - dt.timedelta(days=2)
    booking = Booking.objects.create(
        kind=kind,
        starts_at=starts_at,
        ends_at=starts_at + ROUND_LENGTH,
        first=matched(first, kind, zones[0], created),
        second=matched(second, kind, zones[1], created),
        created_at=created,
    )
    booking.members.set([first, second])
    rounds_create(booking)
    return booking


def scored(round_: Round, score: int | dict[str, int], **fields: str) -> Feedback:
    """The round's one feedback, as the site takes it: its interviewer's on its candidate, every
    axis `score` (or as given by axis key)."""
    axes = axes_for(round_.booking.kind)
    scores = score if isinstance(score, dict) else {axis.key: score for axis in axes}
    return Feedback.objects.create(
        round=round_,
        author=round_.interviewer,
        subject=round_.candidate,
        scores=scores,
        created_at=round_.booking.starts_at + dt.timedelta(hours=2),
        **fields,
    )
