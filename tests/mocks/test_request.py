"""Requesting a peer mock interview (/mocks/), through the test client on real Postgres and
Redis: who may, the windows on the member's own clock stored in UTC, and each refusal clear
with nothing saved."""

from __future__ import annotations

import datetime as dt
from http import HTTPStatus

import pytest
import time_machine
from django.test import Client

from accounts.models import User
from mocks.models import MockRequest
from tests.conftest import signed_in
from tests.factories import finished_diagnostic, subscriber

NOW = dt.datetime(2026, 12, 7, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def member(db) -> User:
    return subscriber()


def form(zone: str, *windows: tuple[str, str], kind: str = "technical") -> dict[str, str]:
    data = {
        "kind": kind,
        "tier": "big-tech",
        "level": "mid",
        "focus": "two-pointers",
        "time_zone": zone,
        "window-TOTAL_FORMS": str(max(len(windows), 1)),
        "window-INITIAL_FORMS": "0",
        "window-MIN_NUM_FORMS": "0",
        "window-MAX_NUM_FORMS": "10",
    }
    for n, (start, end) in enumerate(windows):
        data[f"window-{n}-start"], data[f"window-{n}-end"] = start, end
    return data


def text(response) -> str:
    return response.content.decode()


def test_visitors_and_members_without_the_plan_read_what_a_mock_is(client: Client, reader) -> None:
    page = text(client.get("/mocks/"))
    assert "Practise the round with a peer" in page
    assert "Sign in to request one" in page
    assert 'name="kind"' not in page
    page = text(signed_in(reader).get("/mocks/"))
    assert "See the plan" in page
    assert 'name="kind"' not in page
    assert signed_in(reader).post("/mocks/", form("UTC")).status_code == HTTPStatus.OK
    assert not MockRequest.objects.exists()


def test_the_focus_starts_as_the_weak_sets_first_pattern(member: User) -> None:
    finished_diagnostic(member, ["graphs", "heaps"])
    page = text(signed_in(member).get("/mocks/"))
    assert 'name="focus" value="graphs"' in page


def test_windows_on_the_members_clock_are_stored_in_utc(member: User) -> None:
    with time_machine.travel(NOW, tick=False):
        answer = signed_in(member).post(
            "/mocks/",
            form(
                "America/Los_Angeles",
                ("2026-12-12T09:00", "2026-12-12T11:00"),
                ("2026-12-10T18:30", "2026-12-10T20:05"),
            ),
        )
    assert answer.status_code == HTTPStatus.FOUND
    (made,) = MockRequest.objects.all()
    assert (made.user, made.kind, made.status, made.time_zone) == (
        member,
        "technical",
        "open",
        "America/Los_Angeles",
    )
    assert made.windows == [  # earliest first, Pacific standard time is UTC-8
        ["2026-12-11T02:30:00+00:00", "2026-12-11T04:05:00+00:00"],
        ["2026-12-12T17:00:00+00:00", "2026-12-12T19:00:00+00:00"],
    ]
    assert "Waiting for a match" in text(signed_in(member).get("/mocks/"))


@pytest.mark.parametrize(
    ("window", "message"),
    [
        (("2026-12-08T09:00", "2026-12-08T10:30"), "at least 95 minutes"),
        (("2026-12-07T11:00", "2026-12-07T13:00"), "has begun already"),
        (("2026-12-20T09:00", "2026-12-22T11:00"), "up to 14 days ahead"),
        (("2026-12-08T09:00", "next week"), "Enter a valid date/time."),
    ],
)
def test_a_window_that_cannot_be_used_is_refused_clearly_and_nothing_is_saved(
    member: User, window: tuple[str, str], message: str
) -> None:
    with time_machine.travel(NOW, tick=False):
        answer = signed_in(member).post(
            "/mocks/", form("UTC", ("2026-12-09T09:00", "2026-12-09T11:00"), window)
        )
    assert answer.status_code == HTTPStatus.BAD_REQUEST
    assert message in text(answer)
    assert not MockRequest.objects.exists()


def test_a_window_across_a_clock_change_counts_the_real_minutes(member: User) -> None:
    # London's clocks go forward at 01:00 on 28 March 2027: 00:30 to 02:30 is one real hour.
    with time_machine.travel(dt.datetime(2027, 3, 20, 12, tzinfo=dt.UTC), tick=False):
        answer = signed_in(member).post(
            "/mocks/", form("Europe/London", ("2027-03-28T00:30", "2027-03-28T02:30"))
        )
    assert answer.status_code == HTTPStatus.BAD_REQUEST
    assert "at least 95 minutes" in text(answer)


def test_no_window_at_all_is_refused(member: User) -> None:
    answer = signed_in(member).post("/mocks/", form("UTC"))
    assert answer.status_code == HTTPStatus.BAD_REQUEST
    assert "Give at least one window" in text(answer)


def test_one_open_request_per_kind(member: User) -> None:
    browser = signed_in(member)
    window = ("2026-12-09T09:00", "2026-12-09T11:00")
    with time_machine.travel(NOW, tick=False):
        assert browser.post("/mocks/", form("UTC", window)).status_code == HTTPStatus.FOUND
        again = browser.post("/mocks/", form("UTC", window))
        design = browser.post("/mocks/", form("UTC", window, kind="system-design"))
    assert again.status_code == HTTPStatus.BAD_REQUEST
    assert "already have an open request" in text(again)
    assert design.status_code == HTTPStatus.FOUND
    assert sorted(MockRequest.objects.values_list("kind", flat=True)) == [
        "system-design",
        "technical",
    ]


def test_a_request_whose_windows_passed_unmatched_expires_and_may_be_made_again(
    member: User,
) -> None:
    """Nobody shared its windows: once none can hold a booking, the matcher's pass takes it out
    of the queue, the page says so, and the member may ask again."""
    from mocks.matching import match_open_requests

    browser = signed_in(member)
    window = ("2026-12-09T09:00", "2026-12-09T11:00")
    with time_machine.travel(NOW, tick=False):
        assert browser.post("/mocks/", form("UTC", window)).status_code == HTTPStatus.FOUND
    assert match_open_requests(NOW) == []  # alone: it waits
    assert MockRequest.objects.get().status == "open"
    # 2026-12-09 08:00: a booking needs two hours' notice, so 09:00-11:00 can hold none now.
    later = dt.datetime(2026, 12, 9, 8, 0, tzinfo=dt.UTC)
    match_open_requests(later)
    assert MockRequest.objects.get().status == "expired"
    with time_machine.travel(later, tick=False):
        page = text(browser.get("/mocks/"))
        assert "was not matched before its windows passed" in page
        assert "Waiting for a match" not in page
        again = browser.post("/mocks/", form("UTC", ("2026-12-10T09:00", "2026-12-10T11:00")))
    assert again.status_code == HTTPStatus.FOUND
    assert MockRequest.objects.filter(status="open").count() == 1


def test_requests_are_rate_limited(member: User) -> None:
    browser = signed_in(member)
    answers = [browser.post("/mocks/", form("UTC")).status_code for _ in range(11)]
    assert answers[:10] == [HTTPStatus.BAD_REQUEST] * 10
    assert answers[10] == HTTPStatus.TOO_MANY_REQUESTS


def test_an_open_request_is_withdrawn_by_its_member_only(member: User, reader: User) -> None:
    browser = signed_in(member)
    window = ("2026-12-09T09:00", "2026-12-09T11:00")
    with time_machine.travel(NOW, tick=False):
        browser.post("/mocks/", form("UTC", window))
    made = MockRequest.objects.get()
    assert 'action="/mocks/requests/' in text(browser.get("/mocks/"))
    assert signed_in(reader).post(f"/mocks/requests/{made.pk}/withdraw/").status_code == 302
    made.refresh_from_db()
    assert made.status == "open"  # another member's withdrawal touched nothing
    page = text(browser.post(f"/mocks/requests/{made.pk}/withdraw/", follow=True))
    assert "Withdrawn." in page
    made.refresh_from_db()
    assert made.status == "withdrawn"
    again = text(browser.post(f"/mocks/requests/{made.pk}/withdraw/", follow=True))
    assert "not waiting any more" in again
    with time_machine.travel(NOW, tick=False):
        assert browser.post("/mocks/", form("UTC", window)).status_code == HTTPStatus.FOUND
