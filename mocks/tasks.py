"""The matcher's task (beat: every minute; and after each new request). A task imports its
service inside its body, as billing.tasks do."""

from __future__ import annotations

from celery import shared_task


@shared_task
def match_requests() -> int:
    """One matching pass; how many bookings it made."""
    from .matching import match_open_requests

    return len(match_open_requests())


@shared_task
def send_mock_reminders() -> int:
    """Beat, every 5 minutes: queue the reminders due (24 hours and 1 hour before a booking,
    each once); how many."""
    from django.utils import timezone

    from .emails import reminder_emails_queue

    return reminder_emails_queue(timezone.now())
