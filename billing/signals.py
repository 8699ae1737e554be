"""What billing tells other apps, without knowing them."""

import logging
from typing import Any

from django.dispatch import Signal

logger = logging.getLogger(__name__)

# Sent (with `event`, a StripeEvent, and `subscription_id`, the Stripe id of its subscription) once
# a customer.subscription.* event is handled, inside the transaction that handles it: stats keeps
# each subscription's history from these.
subscription_event_handled = Signal()

# Sent (with `user`, `token`: one per Checkout form, and `guide_id`: the guide whose paywall the
# form was on, or None) once a Checkout Session is made for a member: stats counts checkouts
# started from each guide.
checkout_started = Signal()

# Sent (with `event`, a StripeEvent, and `obj`: its data.object) for the events about one-off
# payments, which billing keeps nothing of: a Checkout Session in payment mode completed (or its
# delayed payment succeeded), and a refunded charge. The gifts app acts on them. Sent with plain
# `send` inside the event's transaction: a receiver that fails fails the event, and it is retried
# (Stripe unreachable) or recorded as failed, as billing's own work is.
payment_event_received = Signal()

# Sent (with `subscription`, the Subscription just stored, and `metadata`, the Stripe
# subscription's metadata) at the end of every `subscription_sync`, inside its transaction: the
# teams app links a team's seats to the team named in the metadata and retires its members'
# cached access.
subscription_synced = Signal()


def send_logged(signal: Signal, sender: Any, about: str, **kwargs: Any) -> None:
    """Send the signal to every receiver; one that fails is logged (with `about`: what it was
    sent for) and never fails billing's own work (a receiver that writes does so within its own
    savepoint)."""
    for receiver, result in signal.send_robust(sender=sender, **kwargs):
        if isinstance(result, Exception):
            logger.error("%r failed for %s", receiver, about, exc_info=result)
