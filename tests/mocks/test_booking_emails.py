"""The booking's emails: both members told, each on their own clock, with a calendar invitation
a calendar reads back; once per cause however often the matcher or the send runs; and the
invitation carried over SMTP as a calendar client expects it."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
from typing import Any

import pytest
from django.core import mail

from alphacode.settings import mailers_from_url
from mail.models import Email
from mail.outbox import email_send
from mocks.emails import booked_emails_queue
from mocks.matching import match_open_requests
from tests.factories import UserFactory

from .booked import NOW, book, calendar_part, html_of, invitation_of, sent_to

pytestmark = pytest.mark.django_db


def test_both_members_get_the_booking_on_their_own_clock_with_an_invitation(
    django_capture_on_commit_callbacks,
) -> None:
    ada = UserFactory(email="ada@example.com", name="Ada Lovelace")
    ravi = UserFactory(email="ravi@example.com")
    booking = book(
        ada,
        ravi,
        hours_ahead=3,
        zones=("America/Los_Angeles", "Asia/Kolkata"),
        capture=django_capture_on_commit_callbacks,
    )
    assert booking.starts_at == dt.datetime(2026, 12, 7, 15, 0, tzinfo=dt.UTC)
    (to_ada,) = sent_to(ada)
    (to_ravi,) = sent_to(ravi)
    assert to_ada.subject == f"Your mock interview with Member #{ravi.pk} is booked"
    assert to_ravi.subject == "Your mock interview with Ada Lovelace is booked"
    for body in (to_ada.body, html_of(to_ada)):
        assert "Monday 7 December 2026, 07:00 to 08:35 PST (America/Los_Angeles)" in body
        assert f"http://127.0.0.1:8000/mocks/{booking.pk}/" in body
    for body in (to_ravi.body, html_of(to_ravi)):
        assert "Monday 7 December 2026, 20:30 to 22:05 IST (Asia/Kolkata)" in body
    for message, partner in ((to_ada, ravi), (to_ravi, ada)):
        calendar = invitation_of(message)
        (event,) = calendar.events
        assert calendar["METHOD"] == "REQUEST"
        assert str(event["UID"]) == str(booking.uid)
        assert event["SEQUENCE"] == 0
        assert event.decoded("DTSTART") == booking.starts_at
        assert event.decoded("DTEND") == booking.ends_at
        assert str(event["URL"]) == f"http://127.0.0.1:8000/mocks/{booking.pk}/"
        (attendee,) = [event["ATTENDEE"]]
        assert str(attendee) == f"mailto:{message.to[0]}"
        assert "hello@alphacode.local" in str(event["ORGANIZER"])
        # The partner is named, never addressed.
        for text in (message.body, html_of(message), calendar.to_ical().decode()):
            assert partner.email not in text
    assert f"with Member #{ravi.pk}" in str(invitation_of(to_ada).events[0]["SUMMARY"])


def test_each_member_is_emailed_once_however_often_the_matcher_or_the_send_runs(
    django_capture_on_commit_callbacks,
) -> None:
    ada, bob = UserFactory(), UserFactory()
    booking = book(ada, bob, capture=django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        assert match_open_requests(NOW) == []  # the matcher's task run again
        booked_emails_queue(booking)  # the booking's emails asked for again
    for queued in Email.objects.all():
        email_send(email_id=queued.pk)  # a send task delivered twice
    assert sorted(Email.objects.values_list("kind", "to")) == sorted(
        [("mock_booked", ada.email), ("mock_booked", bob.email)]
    )
    assert len(mail.outbox) == 2
    causes = set(Email.objects.values_list("cause", flat=True))
    assert causes == {
        f"booking-{booking.pk}-member-{ada.pk}-seq-0",
        f"booking-{booking.pk}-member-{bob.pk}-seq-0",
    }


def test_a_resent_booking_email_carries_the_same_invitation(
    django_capture_on_commit_callbacks,
) -> None:
    ada, bob = UserFactory(), UserFactory()
    book(ada, bob, capture=django_capture_on_commit_callbacks)
    recorded = Email.objects.get(to=ada.email)
    (first,) = sent_to(ada)
    Email.objects.filter(pk=recorded.pk).update(sent_at=None)  # as if its sender had died
    email_send(email_id=recorded.pk)
    again = sent_to(ada)[-1]
    assert calendar_part(again).get_content() == calendar_part(first).get_content()


def test_the_invitation_goes_over_smtp_as_a_calendar_request(
    smtp_sink: Any, settings: Any, django_capture_on_commit_callbacks
) -> None:
    settings.MAILERS = {"default": mailers_from_url(smtp_sink.url)}
    ada, bob = UserFactory(email="ada@example.com"), UserFactory()
    booking = book(ada, bob, capture=django_capture_on_commit_callbacks)
    [raw] = [raw for raw in smtp_sink.raw if b"To: ada@example.com" in raw]
    wire = email.message_from_bytes(raw, policy=email.policy.default)
    (part,) = [p for p in wire.walk() if p.get_content_type() == "text/calendar"]
    assert part.get_param("method") == "REQUEST"
    assert part.get_filename() == "mock-interview.ics"
    assert f"UID:{booking.uid}" in part.get_content()
    assert wire.get_body(preferencelist=("plain",)) is not None
