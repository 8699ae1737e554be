"""What billing tells other apps, without knowing them."""

from django.dispatch import Signal

# Sent (with `event`, a StripeEvent) once a customer.subscription.* event is handled, inside the
# transaction that handles it: stats keeps each subscription's history from these.
subscription_event_handled = Signal()
