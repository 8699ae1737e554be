"""The matcher's task (beat: every minute; and after each new request). A task imports its
service inside its body, as billing.tasks do."""

from __future__ import annotations

from celery import shared_task


@shared_task
def match_requests() -> int:
    """One matching pass; how many bookings it made."""
    from .matching import match_open_requests

    return len(match_open_requests())
