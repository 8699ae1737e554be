from django.core.management.base import BaseCommand, CommandError

from billing import stripe_gateway as gateway


class Command(BaseCommand):
    help = (
        "Create or find the Alpha Code product and its $19.00 USD monthly price (lookup key "
        f"'{gateway.PRICE_LOOKUP_KEY}') and print the price id for STRIPE_PRICE_ID. Safe to re-run."
    )

    def handle(self, *args, **options) -> None:
        try:
            price = gateway.price_find_or_create()
        except (gateway.StripeUnavailable, gateway.StripeRequestError) as exc:
            raise CommandError(f"Stripe said: {exc}") from None
        amount = price.get("unit_amount", 0) / 100
        interval = (price.get("recurring") or {}).get("interval", "?")
        self.stderr.write(
            f"Price {price['id']}: {amount:.2f} {price.get('currency', '').upper()} per {interval}"
        )
        self.stdout.write(price["id"])
