"""Members in Los Angeles, London and Kolkata request mocks on their own wall clocks across the
spring's clock changes (Los Angeles on 14 March 2027, London on 28 March 2027; Kolkata keeps
one offset): the windows are stored as the right instants, a time the clocks skip is refused
with a clear reason, a time they pass twice is its first, the match lands at the instant both
chose, and each member reads its time on their own clock on /mocks/."""

from __future__ import annotations

import datetime as dt
from http import HTTPStatus

import pytest
import time_machine

from accounts.models import User
from mocks.matching import match_open_requests
from mocks.models import MockRequest
from tests.conftest import signed_in
from tests.factories import subscriber


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


def ask(member: User, zone: str, *windows: tuple[str, str]):
    """The request form sent as the member fills it in: windows on their own clock."""
    data = {
        "kind": "technical",
        "tier": "big-tech",
        "level": "mid",
        "focus": "graphs",
        "time_zone": zone,
        "window-TOTAL_FORMS": str(len(windows)),
        "window-INITIAL_FORMS": "0",
        "window-MIN_NUM_FORMS": "0",
        "window-MAX_NUM_FORMS": "10",
    }
    for n, (start, end) in enumerate(windows):
        data[f"window-{n}-start"], data[f"window-{n}-end"] = start, end
    return signed_in(member).post("/mocks/", data)


def page(member: User) -> str:
    return signed_in(member).get("/mocks/").content.decode()


def stored(member: User) -> list[list[dt.datetime]]:
    made = MockRequest.objects.get(user=member)
    return [[dt.datetime.fromisoformat(t) for t in window] for window in made.windows]


@pytest.mark.django_db
def test_los_angeles_and_kolkata_meet_at_the_instant_both_chose_after_la_springs_forward() -> None:
    la, kolkata = subscriber(), subscriber()
    with time_machine.travel(utc("2027-03-12T12:00"), tick=False):
        # 09:00 in Los Angeles is 17:00 UTC on Saturday (PST, UTC-8) but 16:00 UTC on Sunday,
        # the day the clocks go forward (PDT, UTC-7).
        assert (
            ask(
                la,
                "America/Los_Angeles",
                ("2027-03-13T09:00", "2027-03-13T11:00"),
                ("2027-03-14T09:00", "2027-03-14T12:00"),
            ).status_code
            == HTTPStatus.FOUND
        )
        assert ask(
            kolkata, "Asia/Kolkata", ("2027-03-14T21:30", "2027-03-14T23:30")
        ).status_code == (HTTPStatus.FOUND)
        assert stored(la) == [
            [utc("2027-03-13T17:00"), utc("2027-03-13T19:00")],
            [utc("2027-03-14T16:00"), utc("2027-03-14T19:00")],
        ]
        assert stored(kolkata) == [[utc("2027-03-14T16:00"), utc("2027-03-14T18:00")]]
        (booking,) = match_open_requests()
        assert booking.starts_at == utc("2027-03-14T16:00")
        # Each reads the booking on /mocks/ on their own clock.
        assert "Sunday 14 March 2027, 09:00 to 10:35 PDT (America/Los_Angeles)" in page(la)
        assert "Sunday 14 March 2027, 21:30 to 23:05 IST (Asia/Kolkata)" in page(kolkata)


@pytest.mark.django_db
def test_london_and_kolkata_meet_on_the_morning_london_springs_forward() -> None:
    london, kolkata = subscriber(), subscriber()
    with time_machine.travel(utc("2027-03-26T12:00"), tick=False):
        # London's clocks go from 01:00 GMT to 02:00 BST: 08:00 that morning is 07:00 UTC.
        assert ask(
            london, "Europe/London", ("2027-03-28T08:00", "2027-03-28T10:00")
        ).status_code == (HTTPStatus.FOUND)
        assert ask(
            kolkata, "Asia/Kolkata", ("2027-03-28T12:00", "2027-03-28T14:30")
        ).status_code == (HTTPStatus.FOUND)
        assert stored(london) == [[utc("2027-03-28T07:00"), utc("2027-03-28T09:00")]]
        (booking,) = match_open_requests()
        assert booking.starts_at == utc("2027-03-28T07:00")
        assert "Sunday 28 March 2027, 08:00 to 09:35 BST (Europe/London)" in page(london)
        assert "Sunday 28 March 2027, 12:30 to 14:05 IST (Asia/Kolkata)" in page(kolkata)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("zone", "now", "window", "said"),
    [
        (
            "Europe/London",
            "2027-03-26T12:00",
            ("2027-03-28T01:30", "2027-03-28T04:00"),
            "01:30 on 28 March 2027 does not exist in Europe/London",
        ),
        (
            "America/Los_Angeles",
            "2027-03-12T12:00",
            ("2027-03-14T00:00", "2027-03-14T02:15"),
            "02:15 on 14 March 2027 does not exist in America/Los_Angeles",
        ),
    ],
)
def test_a_time_the_clocks_skip_is_refused_and_the_form_says_why(
    zone: str, now: str, window: tuple[str, str], said: str
) -> None:
    member = subscriber()
    with time_machine.travel(utc(now), tick=False):
        answer = ask(member, zone, window)
    assert answer.status_code == HTTPStatus.BAD_REQUEST
    assert said in answer.content.decode()
    assert "the clocks go forward that night" in answer.content.decode()
    assert not MockRequest.objects.exists()


@pytest.mark.django_db
def test_a_time_the_clocks_pass_twice_is_the_first_and_the_window_has_its_real_length() -> None:
    member = subscriber()
    with time_machine.travel(utc("2027-10-25T12:00"), tick=False):
        assert "a time that happens twice means the first time" in page(member)
        # London's clocks go back from 02:00 BST to 01:00 GMT on 31 October 2027: 01:30 happens
        # twice; from the first 01:30 (00:30 UTC) to 03:30 GMT is three real hours.
        assert ask(
            member, "Europe/London", ("2027-10-31T01:30", "2027-10-31T03:30")
        ).status_code == (HTTPStatus.FOUND)
    assert stored(member) == [[utc("2027-10-31T00:30"), utc("2027-10-31T03:30")]]


@pytest.mark.django_db
def test_a_window_at_the_calendars_end_is_refused_with_a_reason_not_an_error() -> None:
    # 20:00 on 31 December 9999 twelve hours behind UTC is past the last day Python can hold.
    answer = ask(subscriber(), "Etc/GMT+12", ("9999-12-31T20:00", "9999-12-31T23:59"))
    assert answer.status_code == HTTPStatus.BAD_REQUEST
    assert "Windows can be up to 14 days ahead" in answer.content.decode()
    assert not MockRequest.objects.exists()
