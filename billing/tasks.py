"""Celery tasks: thin wrappers that take ids and call services. All are idempotent, acknowledge
late, are rejected (re-queued) if the worker dies, and retry transient errors with backoff."""

from __future__ import annotations

import datetime as dt
import logging

from celery import shared_task
from django.utils import timezone

from .emails import EmailNotSent, email_send
from .models import StripeEvent, Subscription
from .subscriptions import TRANSIENT_ERRORS, event_process, subscription_sync

logger = logging.getLogger(__name__)

# Late acks and reject-on-worker-lost are on for every task (settings.CELERY_TASK_*).
RETRY = {
    "retry_backoff": 2,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 10,
}
# Events still pending this long after they arrived were not queued (broker down) or lost.
STALE_AFTER = dt.timedelta(minutes=3)


@shared_task(autoretry_for=TRANSIENT_ERRORS, **RETRY)
def process_stripe_event(event_id: str) -> None:
    event_process(event_id=event_id)


@shared_task(autoretry_for=(EmailNotSent, *TRANSIENT_ERRORS), **RETRY)
def send_email(email_id: int) -> None:
    email_send(email_id=email_id)


@shared_task(autoretry_for=TRANSIENT_ERRORS, **RETRY)
def sync_subscription(stripe_subscription_id: str) -> None:
    subscription_sync(stripe_subscription_id=stripe_subscription_id)


@shared_task
def requeue_stale_events(older_than_seconds: int | None = None) -> int:
    """Beat, every few minutes: queue events left pending, e.g. stored while Redis was down."""
    age = (
        dt.timedelta(seconds=older_than_seconds) if older_than_seconds is not None else STALE_AFTER
    )
    stale = StripeEvent.objects.filter(
        state=StripeEvent.State.PENDING, received_at__lte=timezone.now() - age
    ).values_list("id", flat=True)
    count = 0
    for event_id in stale.iterator():
        process_stripe_event.delay(event_id)
        count += 1
    if count:
        logger.info("re-queued %s stale stripe event(s)", count)
    return count


@shared_task
def reconcile_subscriptions() -> int:
    """Beat, daily: re-sync every subscription that has not ended, in case an event was lost."""
    ids = Subscription.objects.exclude(status__in=Subscription.ENDED_STATUSES).values_list(
        "stripe_subscription_id", flat=True
    )
    count = 0
    for subscription_id in ids.iterator():
        sync_subscription.delay(subscription_id)
        count += 1
    return count
