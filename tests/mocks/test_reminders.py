"""Reminders 24 hours and 1 hour before a booking, each once, sent by beat's task; none for a
time the booking's own email covered, none for a cancelled booking."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import mail

from mail.tasks import requeue_lost_emails
from mocks.bookings import booking_cancel
from mocks.models import Booking
from mocks.tasks import send_mock_reminders
from tests.factories import UserFactory

from .booked import book, sent_to

pytestmark = pytest.mark.django_db


def remind_at(moment: dt.datetime, capture) -> int:
    with time_machine.travel(moment, tick=False), capture(execute=True):
        return send_mock_reminders()


def test_a_booking_made_days_ahead_is_reminded_a_day_and_an_hour_before_each_once(
    django_capture_on_commit_callbacks,
) -> None:
    ada, bob = UserFactory(name="Ada"), UserFactory(name="Bob")
    booking = book(ada, bob, hours_ahead=50)
    start = booking.starts_at
    assert remind_at(start - dt.timedelta(hours=25), django_capture_on_commit_callbacks) == 0
    assert (
        remind_at(start - dt.timedelta(hours=23, minutes=58), django_capture_on_commit_callbacks)
        == 2
    )
    assert (
        remind_at(start - dt.timedelta(hours=23, minutes=53), django_capture_on_commit_callbacks)
        == 0
    )
    (day_before,) = sent_to(ada, "is in 24 hours")
    assert day_before.subject == "Your mock interview with Bob is in 24 hours"
    assert remind_at(start - dt.timedelta(minutes=58), django_capture_on_commit_callbacks) == 2
    assert remind_at(start - dt.timedelta(minutes=53), django_capture_on_commit_callbacks) == 0
    (hour_before,) = sent_to(bob, "is in 1 hour")
    assert f"/mocks/{booking.pk}/" in hour_before.body
    assert len(mail.outbox) == 4


def test_a_booking_made_less_than_a_day_ahead_gets_only_the_hour_reminder(
    django_capture_on_commit_callbacks,
) -> None:
    ada, bob = UserFactory(), UserFactory()
    booking = book(ada, bob, hours_ahead=5)
    start = booking.starts_at
    assert remind_at(start - dt.timedelta(hours=4), django_capture_on_commit_callbacks) == 0
    assert remind_at(start - dt.timedelta(minutes=30), django_capture_on_commit_callbacks) == 2
    # The hour's reminder (the first beat after booking sends it, saying the time left).
    assert {m.subject.rsplit(" is in ", 1)[1] for m in mail.outbox} == {"30 minutes"}


def test_a_cancelled_booking_is_not_reminded(django_capture_on_commit_callbacks) -> None:
    booking = book(UserFactory(), UserFactory(), hours_ahead=50)
    Booking.objects.filter(pk=booking.pk).update(status=Booking.Status.CANCELED)
    start = booking.starts_at
    assert remind_at(start - dt.timedelta(hours=23), django_capture_on_commit_callbacks) == 0
    assert remind_at(start - dt.timedelta(minutes=30), django_capture_on_commit_callbacks) == 0


def test_beat_runs_the_reminders_task_every_five_minutes(settings) -> None:
    from alphacode.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["send-mock-reminders"]
    assert entry["schedule"] == 300.0
    assert entry["task"] in app.tasks


def test_a_reminder_still_unsent_when_the_booking_is_cancelled_is_never_sent(
    django_capture_on_commit_callbacks,
) -> None:
    """The hour's reminder is recorded while the broker is away (its task lost); the member
    then cancels. When the lost emails are sent again, the cancellation goes and the reminder
    of a mock that will not happen does not."""
    ada, bob = UserFactory(name="Ada"), UserFactory(name="Bob")
    booking = book(ada, bob, hours_ahead=50)
    start = booking.starts_at
    # The tasks never reach a worker (execute=False).
    due = start - dt.timedelta(minutes=58)
    with time_machine.travel(due, tick=False), django_capture_on_commit_callbacks(execute=False):
        assert send_mock_reminders() == 2
    cancel_at = start - dt.timedelta(minutes=50)
    with (
        time_machine.travel(cancel_at, tick=False),
        django_capture_on_commit_callbacks(execute=False),
    ):
        booking_cancel(user=ada, pk=booking.pk, now=cancel_at)
    later = cancel_at + dt.timedelta(minutes=10)
    with time_machine.travel(later, tick=False):
        requeue_lost_emails(later)
    assert sent_to(bob, "cancelled")
    assert sent_to(ada, "is in 1 hour") == sent_to(bob, "is in 1 hour") == []


def test_a_reminder_sent_late_says_how_long_is_really_left(
    django_capture_on_commit_callbacks,
) -> None:
    """Beat was down through the 24-hour mark and is back 3 hours before: the day's reminder
    goes out then, once, and does not claim the mock is 24 hours away."""
    ada, bob = UserFactory(name="Ada"), UserFactory(name="Bob")
    booking = book(ada, bob, hours_ahead=50)
    late = booking.starts_at - dt.timedelta(hours=3, minutes=2)
    assert remind_at(late, django_capture_on_commit_callbacks) == 2
    (reminder,) = sent_to(ada, "is in")
    assert reminder.subject == "Your mock interview with Bob is in 3 hours 2 minutes"
    assert "begins in 3 hours 2 minutes." in reminder.body
