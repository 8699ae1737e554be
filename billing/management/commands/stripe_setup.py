from django.core.management.base import BaseCommand, CommandError

from billing import stripe_gateway as gateway
from billing.plans import PLANS, Plan

# The Customer Portal's configurations: (metadata key, name, setting, whether seats change).
PORTALS = [
    ("personal", "Alpha Code members", "STRIPE_PORTAL_CONFIGURATION", False),
    ("team", "Alpha Code teams", "STRIPE_TEAM_PORTAL_CONFIGURATION", True),
]


class Command(BaseCommand):
    help = (
        "Create or find the Alpha Code product and its prices, found by lookup key ("
        + ", ".join(f"'{plan.lookup_key}'" for plan in PLANS.values())
        + "), and the Customer Portal's configurations (a member's own plan; a team's seats), "
        "found by their metadata, and print each id as a setting (STRIPE_PRICE_ID=…, "
        "STRIPE_ANNUAL_PRICE_ID=…, STRIPE_PORTAL_CONFIGURATION=…, "
        "STRIPE_TEAM_PORTAL_CONFIGURATION=…), ready for the environment. Safe to re-run."
    )

    def handle(self, *args, **options) -> None:
        price_ids = [self.price(plan) for plan in PLANS.values()]
        for key, name, setting, seats in PORTALS:
            params = gateway.portal_configuration_params(
                key=key, name=name, price_ids=price_ids, seats=seats
            )
            try:
                configuration = gateway.portal_configuration_find_or_create(params)
            except (gateway.StripeUnavailable, gateway.StripeRequestError) as exc:
                raise CommandError(f"Stripe said: {exc}") from None
            self.stderr.write(f"Customer Portal, {name}: {configuration['id']}")
            self.stdout.write(f"{setting}={configuration['id']}")

    def price(self, plan: Plan) -> str:
        """The plan's price, found or created; its id."""
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
        return price["id"]
