from django.core.management.base import BaseCommand, CommandError

from billing import stripe_gateway as gateway
from billing.plans import PLANS


class Command(BaseCommand):
    help = (
        "Create or find the Alpha Code product and its prices, found by lookup key ("
        + ", ".join(f"'{plan.lookup_key}'" for plan in PLANS.values())
        + "), and print each price id as a setting (STRIPE_PRICE_ID=…, STRIPE_ANNUAL_PRICE_ID=…), "
        "ready for the environment. Safe to re-run."
    )

    def handle(self, *args, **options) -> None:
        for plan in PLANS.values():
            try:
                price = gateway.price_find_or_create(
                    lookup_key=plan.lookup_key,
                    amount=plan.amount,
                    currency=plan.currency,
                    interval=plan.interval,
                    nickname=plan.name,
                )
            except (gateway.StripeUnavailable, gateway.StripeRequestError) as exc:
                raise CommandError(f"Stripe said: {exc}") from None
            amount = price.get("unit_amount", 0) / 100
            interval = (price.get("recurring") or {}).get("interval", "?")
            currency = price.get("currency", "").upper()
            # A price found by its key but changed in Stripe's dashboard is not what the pages show.
            if (price.get("unit_amount"), interval) != (plan.amount, plan.interval):
                self.stderr.write(
                    f"Warning: the price with lookup key '{plan.lookup_key}' charges "
                    f"{amount:.2f} {currency} per {interval}, not what the site shows "
                    f"({plan.price})."
                )
            self.stderr.write(
                f"{plan.name}: price {price['id']}, {amount:.2f} {currency} per {interval}"
            )
            self.stdout.write(f"{plan.setting}={price['id']}")
