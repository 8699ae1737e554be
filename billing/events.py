"""Stored Stripe webhook events, processed once each: which events are handled, the chain of
attempts with backoff, and the beat sweep that restarts a lost chain.

Processing is state sync, not deltas: every event that touches a subscription makes us
re-fetch that subscription from Stripe and upsert it (`billing.subscriptions`), so duplicates
and any delivery order converge on Stripe's true state. Then the emails the new state calls
for are queued (`billing.emails`).
"""

from __future__ import annotations

import datetime as dt
import logging
import random

from django.db import transaction
from django.utils import timezone

from .emails import invoice_emails, subscription_emails, trial_ending_email
from .errors import TRANSIENT_ERRORS, EventDeferred
from .models import StripeEvent, Subscription
from .signals import payment_event_received, send_logged, subscription_event_handled
from .subscriptions import checkout_session_apply, subscription_sync

logger = logging.getLogger(__name__)

SUBSCRIPTION_EVENTS = {
    "customer.subscription.created",
    "customer.subscription.updated",
    "customer.subscription.deleted",
    "customer.subscription.paused",
    "customer.subscription.resumed",
    # Three days before a trial ends: synced like the others, and the reminder sent.
    "customer.subscription.trial_will_end",
}
INVOICE_EVENTS = {"invoice.paid", "invoice.payment_failed", "invoice.payment_action_required"}
# A Checkout Session paid for: at once (completed, payment_status "paid"), or later, for a
# payment method that settles after a delay (async_payment_succeeded).
CHECKOUT_EVENTS = {"checkout.session.completed", "checkout.session.async_payment_succeeded"}
# Events about one-off payments (Checkout in payment mode, refunds): told to other apps
# (`payment_event_received`), billing keeps nothing of them.
PAYMENT_EVENTS = {"charge.refunded"}
HANDLED_EVENTS = {*CHECKOUT_EVENTS, *SUBSCRIPTION_EVENTS, *INVOICE_EVENTS, *PAYMENT_EVENTS}
# An event's attempts back off from 2 s, doubling, to at most 10 minutes apart.
RETRY_FIRST_SECONDS = 2
RETRY_MAX_SECONDS = 600
# A pending event whose next attempt is this overdue has lost its chain of attempts (stored
# while the broker was down, a message lost): the beat sweep starts another.
LOST_AFTER = dt.timedelta(minutes=3)
SWEEP_BATCH = 1000


def retry_delay(attempts: int) -> dt.timedelta:
    """The wait after the given number of failed attempts. Equal jitter: events that failed
    together spread out, and each wait is at least as long as the one before (until the cap)."""
    step = min(RETRY_MAX_SECONDS, RETRY_FIRST_SECONDS * 2 ** max(attempts - 1, 0))
    return dt.timedelta(seconds=step / 2 + random.uniform(0, step / 2))


def _subscription_id_of_invoice(invoice: dict) -> str | None:
    # The current API names the subscription under parent.subscription_details.
    details = (invoice.get("parent") or {}).get("subscription_details") or {}
    return details.get("subscription")


def _handle(event: StripeEvent) -> None:
    """Sync what the event touches, then queue the emails it calls for. Emails are only ever
    caused here, by Stripe's events, never by a page view."""
    obj = ((event.payload.get("data") or {}).get("object")) or {}
    subscription: Subscription | None = None
    if event.type in PAYMENT_EVENTS or (
        event.type in CHECKOUT_EVENTS and obj.get("mode") == "payment"
    ):
        # A one-off purchase (a gift) or its refund: not billing's to keep.
        payment_event_received.send(sender=StripeEvent, event=event, obj=obj)
    elif event.type in CHECKOUT_EVENTS:
        subscription = checkout_session_apply(obj)
    elif event.type in SUBSCRIPTION_EVENTS:
        subscription = subscription_sync(stripe_subscription_id=obj["id"])
        # What others keep from it (stats' history) never fails the event.
        send_logged(
            subscription_event_handled,
            StripeEvent,
            f"stripe event {event.pk}",
            event=event,
            subscription_id=obj["id"],
        )
        if event.type == "customer.subscription.trial_will_end" and subscription is not None:
            trial_ending_email(subscription)
    elif event.type in INVOICE_EVENTS:
        subscription_id = _subscription_id_of_invoice(obj)
        if subscription_id:
            subscription = subscription_sync(stripe_subscription_id=subscription_id)
            if subscription is not None and obj.get("id"):
                invoice_emails(event.type, obj, subscription)
        else:
            logger.info("invoice %s has no subscription; nothing to sync", obj.get("id"))
    if subscription is not None:
        subscription_emails(subscription)


def event_reprocess(*, event_id: str) -> StripeEvent | None:
    """Process a failed or pending event again, afresh (an operator's retry): a failed one is
    made pending again, its error cleared."""
    StripeEvent.objects.filter(pk=event_id, state=StripeEvent.State.FAILED).update(
        state=StripeEvent.State.PENDING, error=""
    )
    return event_process(event_id=event_id)


def events_claim_lost(*, now: dt.datetime) -> list[str]:
    """Pending events whose next attempt is more than LOST_AFTER overdue, each claimed for one
    new attempt due `now`. Claiming moves the due time, so an attempt of the
    old chain that was only late finds itself superseded and stops: never two chains."""
    with transaction.atomic():
        lost = list(
            StripeEvent.objects.select_for_update(skip_locked=True)
            .filter(state=StripeEvent.State.PENDING, next_attempt_at__lte=now - LOST_AFTER)
            .order_by("next_attempt_at")
            .values_list("pk", flat=True)[:SWEEP_BATCH]
        )
        StripeEvent.objects.filter(pk__in=lost).update(next_attempt_at=now)
    return lost


def event_process(*, event_id: str, due: dt.datetime | None = None) -> StripeEvent | None:
    """Process one stored event, once: the row is locked, and a done event is skipped.
    `due` names the queued attempt this is: if the event's next attempt is no longer that one
    (the sweep or a later attempt took over), nothing happens; None runs at once (an operator).
    A transient failure is recorded with the time of the next attempt and raised as
    EventDeferred; any other failure is recorded on the row and the event marked failed."""
    deferred: EventDeferred | None = None
    transient: Exception | None = None
    with transaction.atomic():
        event = StripeEvent.objects.select_for_update().filter(pk=event_id).first()
        if event is None:
            logger.warning("stripe event %s is not stored", event_id)
            return None
        if event.state in (StripeEvent.State.PROCESSED, StripeEvent.State.IGNORED):
            return event
        if due is not None and event.next_attempt_at != due:
            return event
        event.attempts += 1
        if event.type not in HANDLED_EVENTS:
            event.state = StripeEvent.State.IGNORED
            event.processed_at = timezone.now()
            event.save(update_fields=["state", "processed_at", "attempts"])
            return event
        try:
            with transaction.atomic():
                _handle(event)
        except TRANSIENT_ERRORS as exc:
            transient = exc
            event.error = f"will retry: {exc.__class__.__name__}: {exc}"
            event.next_attempt_at = timezone.now() + retry_delay(event.attempts)
            deferred = EventDeferred(event.error, due=event.next_attempt_at)
        except Exception as exc:
            logger.exception("stripe event %s failed", event_id)
            event.state = StripeEvent.State.FAILED
            event.error = f"{exc.__class__.__name__}: {exc}"
        else:
            event.state = StripeEvent.State.PROCESSED
            event.processed_at = timezone.now()
            event.error = ""
        event.save(update_fields=["state", "processed_at", "attempts", "error", "next_attempt_at"])
    if deferred is not None:
        raise deferred from transient
    return event
