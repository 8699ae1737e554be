"""Billing app: registers each reader's access keys for the request's one round trip and the
failed-payment notice every page has, sends the welcome on allauth's email_confirmed, and
connects the receivers that retire cached access on every grant write."""

from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = "Billing"

    def ready(self) -> None:
        from allauth.account.signals import email_confirmed

        from alphacode.cache import register_per_user_keys

        from .emails import welcome_on_email_confirmed
        from .entitlements import access_stamp_key, cache_key

        def keys(user_id: object) -> list[str]:
            return [cache_key(user_id), access_stamp_key(user_id)]

        register_per_user_keys(self.label, keys)

        from pages.shells import register_page_hole

        from .context_processors import payment_notice_hole, paywall_paused_hole

        # A failed payment is told on every page, those served from shells too, and a paywall
        # shown to a paused member points at their card.
        register_page_hole("payment_notice", payment_notice_hole)
        register_page_hole("paywall_paused", paywall_paused_hole)
        # The welcome is billing's email, sent when allauth confirms an address: accounts
        # need not know that billing exists.
        email_confirmed.connect(welcome_on_email_confirmed, dispatch_uid="billing.welcome")

        from . import receivers  # noqa: F401 - retires cached access on every grant write
