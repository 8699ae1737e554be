from django.core.management.base import BaseCommand, CommandError, CommandParser

from billing import stripe_gateway as gateway
from billing.models import Subscription
from billing.subscriptions import subscription_sync


class Command(BaseCommand):
    help = (
        "Re-sync subscriptions from Stripe: one user's (--user EMAIL) or all that have not ended."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        group = parser.add_mutually_exclusive_group(required=True)
        group.add_argument("--user", help="the user's email address")
        group.add_argument("--all", action="store_true", help="every subscription not ended")

    def handle(self, *args, user: str | None, all: bool, **options) -> None:
        subscriptions = Subscription.objects.all()
        if user:
            subscriptions = subscriptions.filter(user__email__iexact=user)
            if not subscriptions.exists():
                raise CommandError(f"No subscriptions for {user}.")
        else:
            subscriptions = subscriptions.exclude(status__in=Subscription.ENDED_STATUSES)
        errors = 0
        for stripe_id in subscriptions.values_list("stripe_subscription_id", flat=True):
            try:
                synced = subscription_sync(stripe_subscription_id=stripe_id)
            except (gateway.StripeUnavailable, gateway.StripeRequestError) as exc:
                errors += 1
                self.stderr.write(f"{stripe_id}: {exc}")
                continue
            status = synced.status if synced else "not matched to a user"
            self.stdout.write(f"{stripe_id}: {status}")
        if errors:
            raise CommandError(f"{errors} subscription(s) could not be synced.")
