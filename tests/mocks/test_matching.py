"""The matcher on real Postgres: who is paired with whom, when, and never twice, also with two
passes at once."""

from __future__ import annotations

import datetime as dt
import itertools
import threading

import pytest
from django.db import connection

from accounts.models import User
from mocks.matching import match_open_requests
from mocks.models import Block, Booking, MockRequest
from tests.factories import UserFactory

from .booked import premium

NOW = dt.datetime(2026, 12, 7, 12, 0, tzinfo=dt.UTC)


def request(
    user: User | None = None,
    *windows: tuple[float, float],
    tier: str = "big-tech",
    focus: str = "graphs",
    kind: str = "technical",
    waited: dt.timedelta = dt.timedelta(0),
) -> MockRequest:
    """An open request with windows given as hours from NOW."""
    spans = windows or ((3, 6),)
    return MockRequest.objects.create(
        user=premium(user or UserFactory()),
        kind=kind,
        tier=tier,
        level="mid",
        focus=focus,
        time_zone="UTC",
        windows=[
            [(NOW + dt.timedelta(hours=a)).isoformat(), (NOW + dt.timedelta(hours=b)).isoformat()]
            for a, b in spans
        ],
        created_at=NOW - waited,
    )


@pytest.mark.django_db
def test_two_requests_sharing_95_minutes_are_booked_at_the_earliest_quarter_hour() -> None:
    first = request(None, (2.1, 6))  # from 14:06
    second = request(None, (1, 5))
    (booking,) = match_open_requests(NOW)
    assert booking.starts_at == NOW + dt.timedelta(hours=2, minutes=15)
    assert booking.ends_at - booking.starts_at == dt.timedelta(minutes=95)
    assert set(booking.members.all()) == {first.user, second.user}
    for made in (first, second):
        made.refresh_from_db()
        assert (made.status, made.matched_at) == ("matched", NOW)


@pytest.mark.django_db
def test_nothing_starts_within_two_hours_or_in_a_shared_time_too_short() -> None:
    request(None, (0.5, 2.5))  # shares 95 minutes only before NOW + 2 h
    request(None, (0, 3))
    request(None, (10, 11.5), kind="system-design")  # 90 minutes shared
    request(None, (10.1, 13), kind="system-design")
    assert match_open_requests(NOW) == []


@pytest.mark.django_db
def test_the_same_tier_and_focus_first_then_the_same_tier_then_any_after_a_day() -> None:
    older = request(None, waited=dt.timedelta(hours=3))
    other_focus = request(None, focus="heaps")
    same = request(None)
    other_tier = request(None, tier="startup")
    (booking,) = match_open_requests(NOW)
    assert {booking.first_id, booking.second_id} == {older.pk, same.pk}
    # The other focus is next with... nobody of its tier left; the other tier waits a day.
    assert match_open_requests(NOW) == []
    later = NOW + dt.timedelta(hours=25)
    other_focus.windows = other_tier.windows = [
        [(later + dt.timedelta(hours=3)).isoformat(), (later + dt.timedelta(hours=6)).isoformat()]
    ]
    other_focus.save()
    other_tier.save()
    (booking,) = match_open_requests(later)
    assert {booking.first_id, booking.second_id} == {other_focus.pk, other_tier.pk}


@pytest.mark.django_db
def test_members_who_blocked_each_other_are_never_matched() -> None:
    one, two = request(), request()
    Block.objects.create(member=two.user, blocked=one.user)
    assert match_open_requests(NOW) == []


@pytest.mark.django_db
def test_a_member_whose_access_ended_waits_unmatched_until_it_is_back() -> None:
    from django.utils import timezone

    from billing.models import ComplimentaryAccess

    lapsed = request(None, (3, 6))
    partner = request(None, (3, 6))
    ended = timezone.now() - dt.timedelta(minutes=1)  # access is judged on the real clock
    ComplimentaryAccess.objects.filter(user=lapsed.user).update(expires_at=ended)
    assert match_open_requests(NOW) == []
    partner.refresh_from_db()
    assert partner.status == "open"  # still waiting, for someone who pays
    ComplimentaryAccess.objects.filter(user=lapsed.user).update(
        expires_at=timezone.now() + dt.timedelta(days=30)
    )
    (booking,) = match_open_requests(NOW)
    assert set(booking.members.all()) == {lapsed.user, partner.user}


@pytest.mark.django_db
def test_a_member_is_never_in_two_bookings_at_once() -> None:
    member = UserFactory()
    request(member, (3, 8))
    request(member, (3, 8), kind="system-design")
    request(None, (3, 8))
    request(None, (3, 8), kind="system-design")
    bookings = match_open_requests(NOW)
    assert len(bookings) == 2
    mine = sorted(b.starts_at for b in bookings)
    assert mine[1] >= mine[0] + dt.timedelta(minutes=95)


@pytest.mark.django_db(transaction=True)
def test_two_passes_at_once_book_no_request_and_no_member_twice() -> None:
    members = [UserFactory() for _ in range(12)]
    for n, member in enumerate(members):
        request(member, (3, 12), focus=["graphs", "heaps"][n % 2])
        request(member, (3, 12), kind="system-design")
    start = threading.Barrier(2)

    def one_pass() -> None:
        start.wait()
        try:
            match_open_requests(NOW)
        finally:
            connection.close()

    passes = [threading.Thread(target=one_pass) for _ in range(2)]
    for thread in passes:
        thread.start()
    for thread in passes:
        thread.join()
    match_open_requests(NOW)  # what either pass left for the next one
    bookings = list(Booking.objects.prefetch_related("members"))
    requests = [r for b in bookings for r in (b.first_id, b.second_id)]
    assert (
        len(requests) == len(set(requests)) == MockRequest.objects.filter(status="matched").count()
    )
    for member in members:
        spans = sorted(b.starts_at for b in bookings if member in b.members.all())
        assert all(
            later >= earlier + dt.timedelta(minutes=95)
            for earlier, later in itertools.pairwise(spans)
        )
    # Every member can be booked twice in nine hours: all 24 requests matched.
    assert len(bookings) == 12


@pytest.mark.django_db
def test_requests_put_back_at_the_front_are_matched_first_earliest_put_back_first() -> None:
    partner = request(None, (3, 9))
    request(None, (3, 5), waited=dt.timedelta(hours=20))  # the oldest
    # Their partners cancelled at least 12 hours ahead: back at the front, though made later.
    second_back = request(None, (7, 9), focus="heaps")
    first_back = request(None, (5.25, 7), focus="heaps")
    MockRequest.objects.filter(pk=second_back.pk).update(requeued_at=NOW - dt.timedelta(hours=1))
    MockRequest.objects.filter(pk=first_back.pk).update(requeued_at=NOW - dt.timedelta(hours=2))
    # Each of the three could meet only `partner` (oldest and the other two share no time);
    # without the front of the queue, the oldest would have it.
    (booking,) = match_open_requests(NOW)
    assert (booking.first_id, booking.second_id) == (first_back.pk, partner.pk)
    assert booking.starts_at == NOW + dt.timedelta(hours=5, minutes=15)
    # The others wait for the next pass (and a new partner).
    assert match_open_requests(NOW) == []
