"""What billing tells other apps, without knowing them."""

from django.dispatch import Signal

# Sent (with `event`, a StripeEvent) once a customer.subscription.* event is handled, inside the
# transaction that handles it: stats keeps each subscription's history from these.
subscription_event_handled = Signal()

# Sent (with `user`, `token`: one per Checkout form, and `guide_id`: the guide whose paywall the
# form was on, or None) once a Checkout Session is made for a member: stats counts checkouts
# started from each guide.
checkout_started = Signal()
