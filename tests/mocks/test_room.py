"""The room (/mocks/<id>/) through the test client, on the server's clock: who may open it, the
phase now in the viewer's own time zone, who sees the problem when (the candidate from 05:00 of
their round, never its hints or solution), and the pad live during the round, read-only after."""

from __future__ import annotations

import datetime as dt
from http import HTTPStatus

import pytest
import time_machine
from django.test import Client

from accounts.models import User
from billing.models import Subscription
from mocks.models import Booking, DesignPrompt
from tests.conftest import signed_in
from tests.factories import UserFactory
from tests.mocks.rooms import book

# Ada (Europe/Berlin, UTC+1) is round 1's candidate, Grace (America/New_York, UTC-5) its
# interviewer; round 2 swaps them.
START = dt.datetime(2026, 12, 7, 14, 0, tzinfo=dt.UTC)


@pytest.fixture
def booking(db) -> Booking:
    return book(START)


def ada(booking: Booking) -> User:
    return booking.first.user


def grace(booking: Booking) -> User:
    return booking.second.user


def page(user: User | None, booking: Booking, minutes: float) -> str:
    """The room as `user` gets it `minutes` after the booking's start."""
    client = signed_in(user) if user else Client()
    with time_machine.travel(START + dt.timedelta(minutes=minutes), tick=False):
        answer = client.get(f"/mocks/{booking.pk}/")
    assert answer.status_code == HTTPStatus.OK
    return answer.content.decode()


def test_only_the_two_members_and_staff_get_in(booking: Booking) -> None:
    url = f"/mocks/{booking.pk}/"
    assert signed_in(UserFactory()).get(url).status_code == HTTPStatus.NOT_FOUND
    assert signed_in(ada(booking)).get("/mocks/999999/").status_code == HTTPStatus.NOT_FOUND
    visitor = Client().get(url)
    assert visitor.status_code == HTTPStatus.FOUND
    assert visitor["Location"] == f"/accounts/login/?next={url}"
    staff = signed_in(UserFactory(is_staff=True)).get(url)
    assert staff.status_code == HTTPStatus.OK
    assert "Grace interviews Ada" in staff.content.decode()


def test_before_the_start_each_member_reads_when_on_their_own_clock(booking: Booking) -> None:
    for_ada = page(ada(booking), booking, -125)
    assert "Starts in 2 hours 5 minutes" in for_ada
    assert "Monday 7 December 2026, 15:00–16:35" in for_ada
    assert "Europe/Berlin" in for_ada
    assert "Technical mock with Grace" in for_ada
    for_grace = page(grace(booking), booking, -125)
    assert "Monday 7 December 2026, 09:00–10:35" in for_grace
    assert "Technical mock with Ada" in for_grace
    assert "Starts in 2 days" in page(ada(booking), booking, -60 * 50)


@pytest.mark.parametrize(
    ("minutes", "phase"),
    [
        (0, "Now: Round 1: Warm-up, until 15:05"),
        (13, "Now: Round 1: Approach, until 15:18"),
        (47, "Now: Break, until 15:50"),
        (50 + 36, "Now: Round 2: Test, until 16:30"),
        (95, "This mock has ended"),
    ],
)
def test_the_phase_is_the_servers_without_javascript(
    booking: Booking, minutes: int, phase: str
) -> None:
    assert phase in page(ada(booking), booking, minutes)


def test_the_timeline_marks_the_phase_now(booking: Booking) -> None:
    html = page(ada(booking), booking, 13)
    assert html.count('aria-current="step"') == 1
    current = html.split('aria-current="step"')[1].split("</li>")[0]
    assert "<strong>Approach</strong>" in current
    assert '<time datetime="2026-12-07T15:12:00+01:00">15:12</time>' in current


def test_the_candidate_sees_the_statement_from_five_minutes_in_and_never_the_solution(
    booking: Booking,
) -> None:
    first, second = booking.rounds.order_by("number")
    problem = first.problem
    assert problem is not None
    early = page(ada(booking), booking, 4)
    assert problem.statement not in early
    assert problem.title not in early
    assert "states the problem at 15:05" in early
    stated = page(ada(booking), booking, 5)
    assert problem.statement in stated
    for secret in (problem.hints[0], problem.walkthrough, problem.code["solution"].split("\n")[0]):
        assert secret not in early
        assert secret not in stated
        assert secret not in page(ada(booking), booking, 120)  # not after the mock either
    # The same problem for its interviewer, from the start: hints, solution and the rubric.
    for_grace = page(grace(booking), booking, -30)
    assert problem.statement in for_grace
    assert problem.hints[0] in for_grace
    assert problem.walkthrough in for_grace
    assert "Pinned down every constraint and edge case" in for_grace  # framing's 4
    # In round 2 Ada interviews: she sees its problem whole, Grace waits for 05:00 of it.
    assert second.problem is not None
    assert second.problem.hints[0] in early
    assert second.problem.statement not in page(grace(booking), booking, 54)
    assert second.problem.statement in page(grace(booking), booking, 55)


def test_after_the_round_a_member_who_lost_premium_sees_a_premium_problem_as_a_visitor(
    booking: Booking,
) -> None:
    # Both could read premium when they requested, so the rounds run whole; once a round is
    # over, the paywall holds for a member whose subscription has ended.
    first, second = booking.rounds.order_by("number")
    for round_ in (first, second):
        assert round_.problem is not None
        round_.problem.access = "premium"
        round_.problem.statement = f"The first paragraph of {round_.problem.slug}.\n\nThe rest."
        round_.problem.save(update_fields=["access", "statement"])
    Subscription.objects.filter(user=ada(booking)).update(status="canceled")
    during = page(ada(booking), booking, 30)  # she is round 1's candidate
    assert "The rest." in during
    assert second.problem.hints[0] in during  # she interviews in round 2
    after = page(ada(booking), booking, 120)
    assert "The first paragraph of room-graph-one." in after
    assert "The first paragraph of room-graph-two." in after
    assert "The rest." not in after
    for secret in (second.problem.hints[0], second.problem.walkthrough):
        assert secret not in after
    assert "see the plan" in after
    # Grace still subscribes: her room is whole after the mock too.
    later = page(grace(booking), booking, 120)
    assert "The rest." in later
    assert first.problem.hints[0] in later


def test_a_design_prompt_is_markdown_with_its_html_shown_as_text(db) -> None:
    DesignPrompt.objects.create(
        slug="cache",
        title="A cache",
        topic="caching",
        statement="Design a **cache** <script>alert(1)</script>",
        hints=["Think about `eviction`."],
        solution="Covers *invalidation*.",
    )
    DesignPrompt.objects.create(
        slug="feed", title="A feed", topic="feeds", statement="Design a feed.", solution="Fan-out."
    )
    booking = book(START, kind="system-design")
    html = page(grace(booking), booking, 1)
    assert "<strong>cache</strong>" in html
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<code>eviction</code>" in html
    assert "<em>invalidation</em>" in html
    assert "Requirements and scope" in html  # the system design rubric
    assert "invalidation" not in page(ada(booking), booking, 10)


def test_peers_are_named_never_by_email(db) -> None:
    booking = book(START, names=("", "Grace"))
    html = page(grace(booking), booking, 0)
    assert f"Technical mock with Member #{ada(booking).pk}" in html
    assert ada(booking).email not in html
    assert grace(booking).email not in page(ada(booking), booking, 0)


def test_the_call_link_is_the_bookings_own_room(booking: Booking, settings) -> None:
    assert f"https://meet.jit.si/alphacode-{booking.room_key}" in page(ada(booking), booking, 0)
    settings.MOCKS_CALL_URL = "https://call.example/r/{room}?x=1"
    assert f"https://call.example/r/{booking.room_key}?x=1" in page(ada(booking), booking, 0)


def test_a_canceled_booking_says_so_and_shows_nothing_else(booking: Booking) -> None:
    booking.status = Booking.Status.CANCELED
    booking.canceled_by = grace(booking)
    booking.canceled_at = START - dt.timedelta(days=1)
    booking.save()
    html = page(ada(booking), booking, 0)
    assert "This mock was canceled on 6 December 2026, 15:00 by Grace" in html
    assert booking.room_key not in html
    assert "data-socket" not in html
    assert "canceled on 6 December 2026, 09:00 by you" in page(grace(booking), booking, 0)


def test_the_pad_is_live_during_the_round_and_read_only_after(booking: Booking) -> None:
    first = booking.rounds.get(number=1)
    first.pad_text = "print('<hi>')"
    first.save(update_fields=["pad_text"])
    during = page(ada(booking), booking, 20)
    assert f'data-socket="/ws/mocks/{booking.pk}/1/"' in during
    assert "needs JavaScript" in during
    after = page(ada(booking), booking, 46)
    assert f'data-socket="/ws/mocks/{booking.pk}/1/"' not in after
    assert f'data-socket="/ws/mocks/{booking.pk}/2/"' in after
    assert "<code>print(&#x27;&lt;hi&gt;&#x27;)</code>" in after
    assert "Read-only: the round is over" in after
    assert "data-socket" not in page(ada(booking), booking, 200)
    # Staff read the pad; only the two members edit it.
    assert "data-socket" not in page(UserFactory(is_staff=True), booking, 20)


def test_the_room_is_valid_html_for_each_viewer_and_moment(booking: Booking) -> None:
    from tests.test_valid_html import vnu_errors

    first = booking.rounds.get(number=1)
    first.pad_text = "def solve():\n    return 1"
    first.save(update_fields=["pad_text"])
    staff = UserFactory(is_staff=True)
    pages = {
        f"{name} at {minutes}": page(user, booking, minutes)
        for name, user in (("ada", ada(booking)), ("grace", grace(booking)), ("staff", staff))
        for minutes in (-60, 6, 47, 120)
    }
    booking.status = Booking.Status.CANCELED
    booking.save(update_fields=["status"])
    pages["canceled"] = page(ada(booking), booking, 0)
    assert vnu_errors(pages) == []
