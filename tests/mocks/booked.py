"""A booking made as the matcher makes one (two matched requests, the booking, its two rounds),
without running the matcher: for the tests of what follows a mock."""

from __future__ import annotations

import datetime as dt

from accounts.models import User
from mocks.models import Booking, Feedback, MockRequest, Round
from mocks.rounds import rounds_create
from mocks.rubric import axes_for
from mocks.services import ROUND_LENGTH
from tests.factories import UserFactory


def matched(user: User, kind: str, zone: str, created: dt.datetime) -> MockRequest:
    return MockRequest.objects.create(
        user=user,
        kind=kind,
        tier="growth",
        level="mid",
        focus="graphs",
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


def scored(round_: Round, author: User, score: int | dict[str, int], **fields: str) -> Feedback:
    """Feedback from `author` on the other member of the round, every axis `score` (or as
    given by axis key)."""
    axes = axes_for(round_.booking.kind)
    scores = score if isinstance(score, dict) else {axis.key: score for axis in axes}
    subject = round_.candidate if round_.interviewer_id == author.pk else round_.interviewer
    return Feedback.objects.create(
        round=round_,
        author=author,
        subject=subject,
        scores=scores,
        created_at=round_.booking.starts_at + dt.timedelta(hours=1),
        **fields,
    )
