"""Celery tasks for the recorded emails: thin wrappers that take ids and call mail.outbox (which
imports these at the top; these import it inside their bodies)."""

from __future__ import annotations

import datetime as dt
import logging

from celery import shared_task
from django.utils import timezone

from alphacode.celery import RETRY, SERVICES_AWAY

from .errors import EmailClaimed, EmailNotSent

logger = logging.getLogger(__name__)


@shared_task(bind=True, autoretry_for=(EmailNotSent, *SERVICES_AWAY), **RETRY)
def send_email(self, email_id: int) -> None:
    from .outbox import email_send

    try:
        email_send(email_id=email_id)
    except EmailClaimed as claimed:
        # Another sender has it, or died mid-send: look again once its claim lapses.
        wait = (claimed.until - timezone.now()).total_seconds()
        raise self.retry(countdown=max(1, int(wait) + 1)) from claimed


@shared_task
def requeue_lost_emails(now: dt.datetime | None = None) -> int:
    """Beat, every 2 minutes: queue again each email whose task was lost (see emails_lost)."""
    from .outbox import emails_lost

    lost = emails_lost(now=now or timezone.now())
    for email_id in lost:
        send_email.delay(email_id)
    if lost:
        logger.info("re-queued %s email(s) whose task was lost", len(lost))
    return len(lost)


# The names these tasks had before billing's emails moved to this app: a message the release
# before queued under them (a retry waiting out its countdown while the deploy happens) is still
# taken and handed on, never dropped as an unknown task. Remove them a release later.
@shared_task(name="billing.tasks.send_email")
def send_email_by_its_old_name(email_id: int) -> None:
    send_email.delay(email_id)


@shared_task(name="billing.tasks.requeue_lost_emails")
def requeue_lost_emails_by_its_old_name(now: dt.datetime | None = None) -> int:
    return requeue_lost_emails(now)
