"""Celery tasks: thin wrappers that take ids and call services. All are idempotent, acknowledge
late, are rejected (re-queued) if the worker dies, and retry transient errors with backoff.

Services import these tasks at the top; a task imports its service inside its body (HackSoft's
rule), so no import runs in a circle. What a decorator must name at import time (the errors
to retry) lives in `billing.errors`, which imports no service."""

from __future__ import annotations

import datetime as dt
import logging

from celery import shared_task
from django.db import OperationalError
from django.utils import timezone

from alphacode.celery import RETRY

from .errors import TRANSIENT_ERRORS, EventDeferred
from .models import Subscription

logger = logging.getLogger(__name__)


# Stripe's errors are retried by the event's own chain of attempts (EventDeferred); Celery's
# retry is left for a database too far away to record anything (the retry keeps `due`).
@shared_task(bind=True, autoretry_for=(OperationalError,), **RETRY)
def process_stripe_event(self, event_id: str, due: str | None = None) -> None:
    from .events import event_process

    try:
        event_process(event_id=event_id, due=dt.datetime.fromisoformat(due) if due else None)
    except EventDeferred as deferred:
        # Run inline (no broker: the embedded defaults), the next attempt waits for an
        # operator's reprocess_events rather than blocking the request that queued this one.
        if not self.request.is_eager:
            process_stripe_event.apply_async((event_id, deferred.due.isoformat()), eta=deferred.due)


@shared_task(autoretry_for=TRANSIENT_ERRORS, **RETRY)
def sync_subscription(stripe_subscription_id: str) -> None:
    from .subscriptions import subscription_sync

    subscription_sync(stripe_subscription_id=stripe_subscription_id)


@shared_task
def requeue_stale_events(now: dt.datetime | None = None) -> int:
    """Beat, every 2 minutes: start a new chain of attempts for each pending event whose chain
    was lost (stored while Redis was down, a message lost), and only for those: an event in a
    live chain of retries is left to it. `now`: for tests and operators."""
    from .events import events_claim_lost

    now = now or timezone.now()
    claimed = events_claim_lost(now=now)
    for event_id in claimed:
        process_stripe_event.delay(event_id, now.isoformat())
    if claimed:
        logger.info("re-queued %s stripe event(s) whose attempts were lost", len(claimed))
    return len(claimed)


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
