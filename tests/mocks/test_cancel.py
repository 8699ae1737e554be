"""Cancelling a booked mock and reporting a no-show (POST /mocks/<id>/cancel/ and /no-show/),
and the pause after two strikes in 30 days: what each member is told, by page and by email, and
every wrong request answered clearly (404 for a stranger), never a 500."""

from __future__ import annotations

import datetime as dt
import threading
from http import HTTPStatus

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test import Client

from accounts.models import User
from mail.models import Email
from mocks.bookings import BookingRefused, booking_cancel
from mocks.matching import match_open_requests
from mocks.models import Booking, MockRequest, Strike
from tests.conftest import signed_in
from tests.factories import UserFactory, subscriber

from .booked import NOW, book, booked, invitation_of, open_request, sent_to

pytestmark = pytest.mark.django_db


def post(user: User, url: str, when: dt.datetime, capture=None) -> tuple[int, str]:
    """POST as the member at `when` and follow to the page: (first status, page text)."""
    client = signed_in(user)
    with time_machine.travel(when, tick=False):
        if capture is None:
            answer = client.post(url)
        else:
            with capture(execute=True):
                answer = client.post(url)
        if answer.status_code != HTTPStatus.FOUND:
            return answer.status_code, answer.content.decode()
        return answer.status_code, client.get(answer["Location"]).content.decode()


def page_at(user: User, when: dt.datetime) -> str:
    with time_machine.travel(when, tick=False):
        return signed_in(user).get("/mocks/").content.decode()


def requests_of(booking: Booking) -> tuple[MockRequest, MockRequest]:
    booking.first.refresh_from_db()
    booking.second.refresh_from_db()
    return booking.first, booking.second


def test_cancelling_a_day_ahead_is_free_and_reopens_the_partners_request_at_the_front(
    django_capture_on_commit_callbacks,
) -> None:
    ada, bob = subscriber(), UserFactory(name="Bob")
    booking = book(ada, bob, hours_ahead=30, capture=django_capture_on_commit_callbacks)
    mail.outbox.clear()
    later = NOW + dt.timedelta(hours=1)
    status, page = post(
        ada, f"/mocks/{booking.pk}/cancel/", later, django_capture_on_commit_callbacks
    )
    assert status == HTTPStatus.FOUND
    assert "Cancelled, free: your partner&#x27;s request is back at the front" in page
    booking.refresh_from_db()
    assert (booking.status, booking.canceled_at, booking.canceled_by, booking.sequence) == (
        "canceled",
        later,
        ada,
        1,
    )
    mine, theirs = requests_of(booking)
    assert (mine.status, mine.requeued_at) == ("matched", None)
    assert (theirs.status, theirs.requeued_at, theirs.matched_at) == ("open", later, None)
    assert not Strike.objects.exists()
    (to_bob,) = sent_to(bob)
    assert "cancelled your mock interview" in to_bob.subject
    assert "Your request is back in the queue, at its front" in to_bob.body
    (to_ada,) = sent_to(ada)
    assert to_ada.subject == "You cancelled your mock interview with Bob"
    assert "counts against you" not in to_ada.body
    for message in (to_ada, to_bob):
        calendar = invitation_of(message)
        (event,) = calendar.events
        assert calendar["METHOD"] == "CANCEL"
        assert str(event["UID"]) == str(booking.uid)
        assert event["SEQUENCE"] == 1
        assert event["STATUS"] == "CANCELLED"
        assert event.decoded("DTSTART") == booking.starts_at


def test_a_partner_with_another_open_request_of_that_kind_keeps_it(
    django_capture_on_commit_callbacks,
) -> None:
    ada, bob = UserFactory(), UserFactory()
    booking = book(ada, bob, hours_ahead=30)
    newer = open_request(bob, 60)
    _status, page = post(
        ada,
        f"/mocks/{booking.pk}/cancel/",
        NOW + dt.timedelta(hours=1),
        django_capture_on_commit_callbacks,
    )
    assert "has another open request of this kind, so theirs was left" in page
    _, theirs = requests_of(booking)
    assert theirs.status == "matched"
    newer.refresh_from_db()
    assert (newer.status, newer.requeued_at) == ("open", None)
    (to_bob,) = sent_to(bob)
    assert "You have another open request for this kind of mock" in to_bob.body


def test_cancelling_less_than_12_hours_ahead_counts_against_the_canceller(
    django_capture_on_commit_callbacks,
) -> None:
    ada, bob = UserFactory(), UserFactory()
    booking = book(ada, bob, hours_ahead=30)
    late = booking.starts_at - dt.timedelta(hours=11, minutes=59)
    _status, page = post(
        bob, f"/mocks/{booking.pk}/cancel/", late, django_capture_on_commit_callbacks
    )
    assert "less than 12 hours ahead, so it counts against you" in page
    (strike,) = Strike.objects.all()
    assert (strike.member, strike.cause, strike.booking) == (bob, "late-cancel", booking)
    assert [r.status for r in requests_of(booking)] == ["matched", "matched"]
    (to_bob,) = sent_to(bob)
    assert "It was less than 12 hours ahead, so it counts against you" in to_bob.body
    assert invitation_of(to_bob)["METHOD"] == "CANCEL"


def test_a_stranger_a_repeat_and_a_begun_mock_each_get_a_clear_answer() -> None:
    ada, bob = UserFactory(), UserFactory()
    booking = book(ada, bob, hours_ahead=30)
    url = f"/mocks/{booking.pk}/cancel/"
    assert post(UserFactory(), url, NOW)[0] == HTTPStatus.NOT_FOUND
    assert post(ada, "/mocks/99999999999999999999/cancel/", NOW)[0] == HTTPStatus.NOT_FOUND
    assert signed_in(ada).get(url).status_code == HTTPStatus.METHOD_NOT_ALLOWED
    assert Client().post(url).status_code == HTTPStatus.FOUND  # to sign in
    begun = booking.starts_at + dt.timedelta(minutes=1)
    assert "This mock has begun, so it can no longer be cancelled" in post(ada, url, begun)[1]
    post(ada, url, NOW)
    assert "This mock was cancelled already." in post(bob, url, NOW)[1]
    booking.refresh_from_db()
    assert (booking.sequence, booking.canceled_by) == (1, ada)


def test_a_no_show_is_a_strike_for_the_other_member_once_in_its_time(
    django_capture_on_commit_callbacks,
) -> None:
    ada, bob = UserFactory(), UserFactory(name="Bob")
    booking = book(ada, bob, hours_ahead=3)
    url = f"/mocks/{booking.pk}/no-show/"
    start = booking.starts_at
    too_soon = post(ada, url, start + dt.timedelta(minutes=9))[1]
    assert "from 10 minutes after the start" in too_soon
    too_late = post(ada, url, start + dt.timedelta(hours=48, minutes=1))[1]
    assert "up to 48 hours after the start" in too_late
    assert not Strike.objects.exists()
    assert post(UserFactory(), url, start + dt.timedelta(minutes=15))[0] == HTTPStatus.NOT_FOUND
    reported = post(ada, url, start + dt.timedelta(minutes=15), django_capture_on_commit_callbacks)
    assert "it counts against Bob" in reported[1]
    (strike,) = Strike.objects.all()
    assert (strike.member, strike.cause) == (bob, "no-show")
    (told,) = mail.outbox
    assert told.to == [bob.email]
    assert "reported that you did not come" in told.body
    assert "paused" not in told.body
    # Bob's answer in kind, or Ada's second click, changes nothing.
    assert "reported for this mock already" in post(bob, url, start + dt.timedelta(hours=1))[1]
    assert "reported for this mock already" in post(ada, url, start + dt.timedelta(hours=1))[1]
    assert Strike.objects.count() == 1


def test_a_member_who_came_to_the_room_cannot_be_reported_as_a_no_show() -> None:
    """Bob opened the room at the start; Ada did not come and tries to report him first."""
    ada, bob = UserFactory(), UserFactory(name="Bob")
    booking = book(ada, bob, hours_ahead=3)
    start = booking.starts_at
    with time_machine.travel(start - dt.timedelta(hours=1), tick=False):
        signed_in(bob).get(f"/mocks/{booking.pk}/")  # too early to count as coming
    with time_machine.travel(start + dt.timedelta(minutes=2), tick=False):
        assert signed_in(bob).get(f"/mocks/{booking.pk}/").status_code == HTTPStatus.OK
    refused = post(ada, f"/mocks/{booking.pk}/no-show/", start + dt.timedelta(minutes=15))[1]
    assert "Bob came to the room for this mock, so it cannot be reported" in refused
    assert not Strike.objects.exists()
    # Bob may report Ada, who never came.
    reported = post(bob, f"/mocks/{booking.pk}/no-show/", start + dt.timedelta(minutes=15))[1]
    assert "it counts against" in reported
    assert Strike.objects.get().member == ada


def test_a_cancelled_mock_has_no_no_show() -> None:
    ada, bob = UserFactory(), UserFactory()
    booking = book(ada, bob, hours_ahead=30)
    post(ada, f"/mocks/{booking.pk}/cancel/", NOW)
    page = post(bob, f"/mocks/{booking.pk}/no-show/", booking.starts_at + dt.timedelta(hours=1))[1]
    assert "This mock was cancelled, so there is no no-show to report." in page


def test_the_page_warns_before_the_pause_and_two_strikes_in_30_days_pause_requests(
    django_capture_on_commit_callbacks,
) -> None:
    ada = subscriber()
    first = book(ada, UserFactory(), hours_ahead=3)
    post(ada, f"/mocks/{first.pk}/cancel/", NOW + dt.timedelta(hours=1, minutes=30))
    page = page_at(ada, NOW + dt.timedelta(days=1))
    assert "One more late cancel or no-show before Wednesday 6 January 2027" in page
    assert "two within 30 days pause your requests for 14 days" in page
    # A no-show reported 20 days later: the second strike within 30 days.
    other = UserFactory()
    MockRequest.objects.filter(user=ada).update(status=MockRequest.Status.WITHDRAWN)
    second = book(ada, other, hours_ahead=3)
    Booking.objects.filter(pk=second.pk).update(
        starts_at=NOW + dt.timedelta(days=20), ends_at=NOW + dt.timedelta(days=20, minutes=95)
    )
    waiting = open_request(ada, 60, kind="system-design")
    post(
        other,
        f"/mocks/{second.pk}/no-show/",
        NOW + dt.timedelta(days=20, minutes=30),
        django_capture_on_commit_callbacks,
    )
    (told,) = sent_to(ada, "missed your mock")
    assert "your requests are paused until Sunday 10 January 2027 at 12:30 UTC" in told.body
    assert Strike.objects.filter(member=ada).count() == 2
    waiting.refresh_from_db()
    assert waiting.status == "withdrawn"  # not matched while paused
    with time_machine.travel(NOW + dt.timedelta(days=21), tick=False):
        answer = signed_in(ada).post(
            "/mocks/",
            {
                "kind": "technical",
                "tier": "big-tech",
                "level": "mid",
                "focus": "graphs",
                "time_zone": "UTC",
                "window-TOTAL_FORMS": "1",
                "window-INITIAL_FORMS": "0",
                "window-MIN_NUM_FORMS": "0",
                "window-MAX_NUM_FORMS": "10",
                "window-0-start": "2026-12-30T09:00",
                "window-0-end": "2026-12-30T12:00",
            },
        )
    assert answer.status_code == HTTPStatus.BAD_REQUEST
    text = answer.content.decode()
    assert "Your requests are paused until Sunday 10 January 2027 at 12:30 UTC" in text
    assert not MockRequest.objects.filter(user=ada, status="open").exists()
    # Fourteen days after the second strike, the pause is over.
    page = page_at(ada, NOW + dt.timedelta(days=34, minutes=31))
    assert "paused until" not in page


def test_the_mocks_page_lists_the_members_bookings_with_what_cancelling_costs() -> None:
    ada, bob = subscriber(), UserFactory(name="Bob Byte", email="bob@example.com")
    booking = book(ada, bob, hours_ahead=30, zones=("Asia/Kolkata", "UTC"))
    page = page_at(ada, NOW)
    assert "Your booked mocks" in page
    assert "Technical (coding)</strong> with Bob Byte" in page
    assert "Tuesday 8 December 2026, 23:30 to 01:05 IST (Asia/Kolkata)" in page
    assert f'href="/mocks/{booking.pk}/"' in page
    assert f'action="/mocks/{booking.pk}/cancel/"' in page
    assert "Cancelling is free until Tuesday 8 December 2026 at 11:30 IST" in page
    assert "bob@example.com" not in page
    page = page_at(ada, booking.starts_at - dt.timedelta(hours=2))
    assert "Less than 12 hours to go: cancelling now counts against you." in page
    page = page_at(ada, booking.starts_at + dt.timedelta(minutes=20))
    assert f'action="/mocks/{booking.pk}/cancel/"' not in page
    assert f'action="/mocks/{booking.pk}/no-show/"' in page
    assert "Your booked mocks" not in page_at(ada, booking.starts_at + dt.timedelta(hours=49))


def test_the_mocks_page_with_bookings_and_the_pause_warning_is_valid_html() -> None:
    from tests.test_valid_html import vnu_errors

    ada = subscriber()
    late = book(ada, UserFactory(), hours_ahead=3)
    post(ada, f"/mocks/{late.pk}/cancel/", NOW)
    MockRequest.objects.filter(user=ada).update(status=MockRequest.Status.WITHDRAWN)
    booking = book(ada, UserFactory(name="Bob <b>"), hours_ahead=30)
    pages = {
        "upcoming, one strike": page_at(ada, NOW),
        "begun": page_at(ada, booking.starts_at + dt.timedelta(minutes=20)),
    }
    assert "One more late cancel" in pages["upcoming, one strike"]
    assert "Bob &lt;b&gt;" in pages["begun"]
    assert vnu_errors(pages) == []


@pytest.mark.django_db(transaction=True)
def test_both_members_cancelling_at_once_cancel_it_once() -> None:
    ada, bob = UserFactory(), UserFactory()
    booking = book(ada, bob, hours_ahead=30)
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def cancel(member: User) -> None:
        start.wait()
        try:
            booking_cancel(user=member, pk=booking.pk, now=NOW)
            outcomes.append("cancelled")
        except BookingRefused as refused:
            outcomes.append(str(refused))
        finally:
            connection.close()

    threads = [threading.Thread(target=cancel, args=(m,)) for m in (ada, bob)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["This mock was cancelled already.", "cancelled"]
    booking.refresh_from_db()
    assert booking.sequence == 1
    assert Email.objects.filter(kind="mock_canceled").count() == 2
    assert MockRequest.objects.filter(status="open").count() == 1


def test_a_paused_members_request_reopened_by_a_free_cancel_is_not_matched_while_paused(
    django_capture_on_commit_callbacks,
) -> None:
    """Bob's two no-shows elsewhere paused him; then Ada cancels their booking a day ahead, so
    his request is open again. The matcher leaves it alone while the pause lasts (DESIGN.md:
    two strikes pause the member's requests), and pairs it once the pause is over."""
    ada, bob, carol = subscriber(), UserFactory(name="Bob"), UserFactory(name="Carol")
    booking = book(ada, bob, hours_ahead=30, capture=django_capture_on_commit_callbacks)
    for days in (5, 3):
        missed = booked(NOW - dt.timedelta(days=days), second=bob)
        Strike.objects.create(
            member=bob,
            booking=missed,
            cause=Strike.Cause.NO_SHOW,
            created_at=NOW - dt.timedelta(days=days),
        )
    with time_machine.travel(NOW, tick=False):
        booking_cancel(user=ada, pk=booking.pk, now=NOW)
    _, theirs = requests_of(booking)
    assert theirs.status == "open"
    open_request(carol, 30)
    assert match_open_requests(NOW) == []
    assert not Booking.objects.filter(members=bob, status="booked", starts_at__gt=NOW).exists()
    # The pause (14 days from the second strike) over, he is matched again.
    after = NOW + dt.timedelta(days=12)
    theirs.windows = [
        [(after + dt.timedelta(hours=30)).isoformat(), (after + dt.timedelta(hours=34)).isoformat()]
    ]
    theirs.save(update_fields=["windows"])
    MockRequest.objects.filter(user=carol, kind="technical").update(windows=theirs.windows)
    (made,) = match_open_requests(after)
    assert set(made.members.all()) == {bob, carol}
