from django.core.management.base import BaseCommand, CommandError, CommandParser

from articles.models import Guide
from mailings.models import Campaign
from mailings.services import guide_announce


class Command(BaseCommand):
    help = (
        "Announce a published guide by email to readers with premium access (subscribers) or to "
        "every member with a confirmed address (members). Announcing again sends nothing new."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")
        parser.add_argument("--to", choices=Campaign.Audience.values, required=True)

    def handle(self, *args, slug: str, to: str, **options) -> None:
        guide = Guide.objects.filter(slug=slug).first()
        if guide is None:
            raise CommandError(f"No guide with slug '{slug}'.")
        try:
            campaign, added = guide_announce(guide=guide, to=to)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        if added:
            self.stdout.write(
                f"Announcing '{slug}' to {added:,} reader(s) (campaign {campaign.key})."
            )
        else:
            self.stdout.write(f"Nothing new to send: '{slug}' was announced to them already.")
