"""A booked mock for the room's tests: two subscribers' matched requests (each in its own time
zone), the booking and its two rounds as the matcher makes them."""

from __future__ import annotations

import datetime as dt

from mocks.models import Booking
from tests.factories import make_problem, subscriber

from .booked import booked


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
    return booked(starts, first=ada, second=grace, kind=kind, zones=zones)
