"""A booking's two rounds: roles swap, and each round's problem is one the candidate has not
solved, from their focus first, then their weak-set, never the same one twice."""

from __future__ import annotations

import datetime as dt

import pytest

from mocks.matching import match_open_requests
from mocks.models import DesignPrompt, MockRequest
from mocks.rounds import round_starts
from tests.factories import UserFactory, finished_diagnostic, make_problem, solved

from .booked import premium

NOW = dt.datetime(2026, 12, 7, 12, 0, tzinfo=dt.UTC)


def open_request(focus: str, kind: str = "technical", waited: int = 0) -> MockRequest:
    start, end = NOW + dt.timedelta(hours=3), NOW + dt.timedelta(hours=6)
    return MockRequest.objects.create(
        user=premium(UserFactory()),
        kind=kind,
        tier="growth",
        level="mid",
        focus=focus,
        time_zone="UTC",
        windows=[[start.isoformat(), end.isoformat()]],
        created_at=NOW - dt.timedelta(minutes=waited),
    )


@pytest.mark.django_db
def test_the_older_request_is_the_first_candidate_and_the_roles_swap() -> None:
    make_problem("graph-one", "graphs")
    make_problem("graph-two", "graphs")
    older, newer = open_request("graphs", waited=30), open_request("graphs")
    (booking,) = match_open_requests(NOW)
    first, second = booking.rounds.order_by("number")
    assert (first.candidate, first.interviewer) == (older.user, newer.user)
    assert (second.candidate, second.interviewer) == (newer.user, older.user)
    assert round_starts(booking, 2) - round_starts(booking, 1) == dt.timedelta(minutes=50)
    assert first.problem != second.problem


@pytest.mark.django_db
def test_a_round_takes_an_unsolved_problem_of_the_focus_then_the_weak_set() -> None:
    done = make_problem("heap-solved", "heaps")
    make_problem("heap-open", "heaps")
    make_problem("interval-open", "intervals")
    older, newer = open_request("heaps", waited=30), open_request("no-such-pattern")
    solved(older.user, done)
    finished_diagnostic(newer.user, ["intervals", "heaps"])
    (booking,) = match_open_requests(NOW)
    first, second = booking.rounds.order_by("number")
    assert first.problem.slug == "heap-open"  # the focus, minus what they solved
    assert second.problem.slug == "interval-open"  # the weak-set's first


@pytest.mark.django_db
def test_a_system_design_round_takes_a_prompt_on_its_topic() -> None:
    for slug, topic in [("feed", "feeds"), ("cache", "caching"), ("queue", "messaging")]:
        DesignPrompt.objects.create(
            slug=slug, title=slug, topic=topic, statement="Design it.", solution="Covers it."
        )
    open_request("caching", kind="system-design", waited=30)
    open_request("Messaging", kind="system-design")
    (booking,) = match_open_requests(NOW)
    first, second = booking.rounds.order_by("number")
    assert (first.prompt.slug, second.prompt.slug) == ("cache", "queue")
    assert first.problem is None


@pytest.mark.django_db
def test_a_problem_met_in_an_earlier_mock_is_not_given_again() -> None:
    """Ada interviewed Bob on graph-one, so she read its solution; in her next mock she is not
    the candidate on it (nor on graph-two, which she was the candidate on), though she solved
    neither in practice."""
    for slug in ("graph-one", "graph-two", "graph-three", "graph-four"):
        make_problem(slug, "graphs")
    open_request("graphs", waited=30)  # Bob's: he is the first candidate, on graph-one
    ada = open_request("graphs")
    (first_mock,) = match_open_requests(NOW)
    met = {r.problem.slug for r in first_mock.rounds.all()}
    assert met == {"graph-one", "graph-two"}
    later = NOW + dt.timedelta(days=2)
    again = MockRequest.objects.create(
        user=ada.user,
        kind="technical",
        tier="growth",
        level="mid",
        focus="graphs",
        time_zone="UTC",
        windows=[
            [
                (later + dt.timedelta(hours=3)).isoformat(),
                (later + dt.timedelta(hours=6)).isoformat(),
            ]
        ],
        created_at=later - dt.timedelta(hours=1),
    )
    carol = MockRequest.objects.create(
        user=premium(UserFactory()),
        kind="technical",
        tier="growth",
        level="mid",
        focus="graphs",
        time_zone="UTC",
        windows=again.windows,
        created_at=later,
    )
    (second_mock,) = match_open_requests(later)
    rounds = {r.candidate_id: r.problem.slug for r in second_mock.rounds.all()}
    assert rounds[ada.user_id] not in met
    assert rounds[carol.user_id] == "graph-one"  # new to Carol


@pytest.mark.django_db
def test_a_design_prompt_met_in_an_earlier_mock_is_given_only_when_none_is_new() -> None:
    for slug, topic in [("cache", "caching"), ("cdn", "caching"), ("feed", "feeds")]:
        DesignPrompt.objects.create(
            slug=slug, title=slug, topic=topic, statement="Design it.", solution="Covers it."
        )
    ada = open_request("caching", kind="system-design", waited=30)
    open_request("caching", kind="system-design")
    (first_mock,) = match_open_requests(NOW)
    assert {r.prompt.slug for r in first_mock.rounds.all()} == {"cache", "cdn"}
    later = NOW + dt.timedelta(days=2)
    windows = [
        [(later + dt.timedelta(hours=3)).isoformat(), (later + dt.timedelta(hours=6)).isoformat()]
    ]
    for user, waited in ((ada.user, 60), (premium(UserFactory()), 0)):
        MockRequest.objects.create(
            user=user,
            kind="system-design",
            tier="growth",
            level="mid",
            focus="caching",
            time_zone="UTC",
            windows=windows,
            created_at=later - dt.timedelta(minutes=waited),
        )
    (second_mock,) = match_open_requests(later)
    first, _ = second_mock.rounds.order_by("number")
    assert first.candidate_id == ada.user_id
    assert first.prompt.slug == "feed"  # the topic's two are both met: a new one of another
