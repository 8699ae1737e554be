"""The dashboard's mock interview figures for the last 12 weeks: requests, bookings, rounds
held, the median time to match and the no-show rate, counted by the database in two queries
whatever the number of mocks."""

from __future__ import annotations

import datetime as dt
from http import HTTPStatus

import pytest
import time_machine

from accounts.models import User
from mocks.models import Booking, MockRequest, Strike
from stats.figures import _median, mock_weekly
from tests.conftest import signed_in
from tests.factories import UserFactory
from tests.mocks.booked import booked

pytestmark = pytest.mark.django_db

# A Wednesday: this week began on Monday 7 December, last week on 30 November.
NOW = dt.datetime(2026, 12, 9, 12, 0, tzinfo=dt.UTC)
LAST_WEEK = dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.UTC)  # Tuesday of last week
LONG_AGO = dt.datetime(2026, 1, 5, tzinfo=dt.UTC)


def request(made: dt.datetime, waited: dt.timedelta | None = None) -> MockRequest:
    return MockRequest.objects.create(
        user=UserFactory(),
        kind="technical",
        tier="growth",
        level="mid",
        focus="graphs",
        time_zone="UTC",
        created_at=made,
        matched_at=made + waited if waited else None,
        status=MockRequest.Status.MATCHED if waited else MockRequest.Status.OPEN,
    )


@pytest.fixture
def mocks() -> dict[str, Booking]:
    with time_machine.travel(NOW, tick=False):
        held = booked(LAST_WEEK)
        no_show = booked(LAST_WEEK + dt.timedelta(days=1))
        Strike.objects.create(
            member=no_show.second.user, booking=no_show, cause=Strike.Cause.NO_SHOW
        )
        canceled = booked(LAST_WEEK + dt.timedelta(days=2))
        Booking.objects.filter(pk=canceled.pk).update(status=Booking.Status.CANCELED)
        going_on = booked(NOW - dt.timedelta(minutes=50))  # round 1 over, round 2 under way
        old = booked(LONG_AGO)
        # The bookings' own requests fall outside the 12 weeks; these are the ones counted.
        MockRequest.objects.update(created_at=LONG_AGO, matched_at=LONG_AGO)
        Booking.objects.filter(pk__in=[held.pk, no_show.pk, canceled.pk]).update(
            created_at=LAST_WEEK - dt.timedelta(days=2)
        )
        for hours in (2, 4, 9):
            request(LAST_WEEK, dt.timedelta(hours=hours))
        request(LAST_WEEK)  # still open
        request(NOW - dt.timedelta(days=1), dt.timedelta(hours=3))
        request(NOW - dt.timedelta(hours=1), dt.timedelta(minutes=30))
    return {"held": held, "no_show": no_show, "going_on": going_on, "old": old}


def test_each_weeks_requests_bookings_rounds_matching_and_no_shows(mocks) -> None:
    with time_machine.travel(NOW, tick=False):
        weeks = mock_weekly()
    assert len(weeks) == 12
    *_, last, this = weeks
    assert (last.start, this.start) == (dt.date(2026, 11, 30), dt.date(2026, 12, 7))
    assert (last.requests, last.bookings) == (4, 0)  # the bookings were made the week before
    assert weeks[-3].bookings == 3  # the held, the no-show and the cancelled one
    # Held: two (the cancelled one was not); rounds held: the no-show's rounds do not count.
    assert (last.held, last.rounds_held, last.no_shows) == (2, 2, 1)
    assert last.no_show_rate == 0.5
    assert last.no_show_text == "50.0 %"
    assert last.median_match == dt.timedelta(hours=4)
    assert last.median_match_text == "4.0 h"
    # This week: a mock under way has held its first round; the median of 3 h and 30 min.
    assert (this.requests, this.bookings, this.held, this.rounds_held) == (2, 1, 0, 1)
    assert this.no_show_rate is None
    assert this.no_show_text == "–"
    assert this.median_match == dt.timedelta(hours=1, minutes=45)
    assert all(week.median_match is None for week in weeks[:-2])


def test_the_median_outside_postgres_is_the_same() -> None:
    hours = [dt.timedelta(hours=h) for h in (9, 2, 4)]
    assert _median(hours) == dt.timedelta(hours=4)
    assert _median(hours[:2]) == dt.timedelta(hours=5.5)
    assert _median([]) is None


def test_the_dashboard_shows_them_within_its_query_budget(
    mocks, staff: User, django_assert_max_num_queries
) -> None:
    client = signed_in(staff)
    with time_machine.travel(NOW, tick=False):
        client.get("/admin/")
        with django_assert_max_num_queries(19):
            page = client.get("/admin/")
    assert page.status_code == HTTPStatus.OK
    html = page.content.decode()
    assert "Mock interviews, the last 12 weeks" in html
    assert (
        '<th scope="row">30 Nov 2026</th><td>4</td><td>0</td><td>2</td><td>2</td><td>1</td>'
        "<td>50.0 %</td><td>4.0 h</td>" in html
    )
    assert "Week of 30 Nov: 2 rounds" in html  # a bar's tooltip
    assert "/admin/mocks/report/?handled_at__isempty=1" in html
