"""`announce_guide SLUG --to subscribers|members [--yes]`: email readers about a guide. A guide
published more than two weeks ago is not new: the command says so and waits for `--yes`."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from articles.models import Guide
from mailings.models import Campaign
from mailings.services import guide_announce

# Past this age a guide is old news; announcing it "as new" needs the owner's say-so.
NEW_FOR = dt.timedelta(days=14)


class Command(BaseCommand):
    help = (
        "Announce a published guide by email to readers with premium access (subscribers) or to "
        "every member with a confirmed address (members). Announcing again sends nothing new. "
        f"A guide published more than {NEW_FOR.days} days ago needs --yes."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")
        parser.add_argument("--to", choices=Campaign.Audience.values, required=True)
        parser.add_argument(
            "--yes",
            action="store_true",
            help=f"Announce it even though it was published more than {NEW_FOR.days} days ago.",
        )

    def handle(self, *args, slug: str, to: str, yes: bool = False, **options) -> None:
        guide = Guide.objects.filter(slug=slug).first()
        if guide is None:
            raise CommandError(f"No guide with slug '{slug}'.")
        published = guide.published_at
        if not yes and published is not None and timezone.now() - published > NEW_FOR:
            days = (timezone.now() - published).days
            raise CommandError(
                f"'{slug}' was published on {published:%Y-%m-%d} ({days} days ago). This would "
                f"email it as a new guide to the {to}. Nothing was sent: run again with --yes "
                "to announce it."
            )
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
