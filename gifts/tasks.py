"""Gifts' Celery task: the beat's hourly pass that sends gifts on their day (a thin wrapper)."""

from __future__ import annotations

import datetime as dt
import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task
def deliver_scheduled_gifts(now: dt.datetime | None = None) -> int:
    """Beat, hourly: send every paid gift whose day has come, once each. `now`: for tests."""
    from .services import gifts_deliver_due

    sent = gifts_deliver_due(now=now)
    if sent:
        logger.info("sent %s gift(s) on their day", sent)
    return sent
