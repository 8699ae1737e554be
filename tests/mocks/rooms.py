"""A booked mock for the room's tests: two subscribers' matched requests (each in its own time
zone), the booking and its two rounds as the matcher makes them."""

from __future__ import annotations

import datetime as dt

from accounts.models import User
from mocks.models import Booking, MockRequest
from mocks.rounds import rounds_create
from tests.factories import make_problem, subscriber


def matched(user: User, zone: str, kind: str, starts: dt.datetime) -> MockRequest:
    return MockRequest.objects.create(
        user=user,
        kind=kind,
        tier="growth",
        level="mid",
        focus="graphs" if kind == "technical" else "caching",
        time_zone=zone,
        windows=[[starts.isoformat(), (starts + dt.timedelta(hours=2)).isoformat()]],
        status=MockRequest.Status.MATCHED,
        matched_at=starts - dt.timedelta(days=1),
    )


def book(
    starts: dt.datetime,
    *,
    kind: str = "technical",
    zones: tuple[str, str] = ("Europe/Berlin", "America/New_York"),
    names: tuple[str, str] = ("Ada", "Grace"),
) -> Booking:
    """Ada is round 1's candidate and Grace its interviewer; round 2 swaps them. A technical
    mock's rounds get two problems of their own."""
    if kind == "technical":
        for slug in ("room-graph-one", "room-graph-two"):
            make_problem(
                slug,
                "graphs",
                statement=f"Find the path in {slug}.",
                hints=[f"Think of BFS for {slug}."],
                walkthrough=f"The walkthrough of {slug}.",
            )
    ada, grace = subscriber(), subscriber()
    ada.name, grace.name = names
    ada.save(update_fields=["name"])
    grace.save(update_fields=["name"])
    first, second = matched(ada, zones[0], kind, starts), matched(grace, zones[1], kind, starts)
    booking = Booking.objects.create(
        kind=kind,
        starts_at=starts,
        ends_at=starts + dt.timedelta(minutes=95),
        first=first,
        second=second,
    )
    booking.members.set([ada, grace])
    rounds_create(booking)
    return booking
