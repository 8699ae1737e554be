"""Gifts: a member pays once for months of Alpha Code for someone else, who redeems a signed
link into complimentary access (DESIGN.md, "Plans and payments")."""

from django.apps import AppConfig


class GiftsConfig(AppConfig):
    name = "gifts"
    verbose_name = "Gifts"

    def ready(self) -> None:
        from billing.signals import payment_event_received

        from .services import payment_event_apply

        # Billing stores and retries Stripe's events; a one-off payment's (a gift's) is ours.
        payment_event_received.connect(payment_event_apply, dispatch_uid="gifts.payment_event")
