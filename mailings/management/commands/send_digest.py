from django.core.management.base import BaseCommand

from mailings.services import digest_send


class Command(BaseCommand):
    help = "Send this week's study digest now (once a week: running it again sends nothing new)."

    def handle(self, *args, **options) -> None:
        campaign, added = digest_send()
        if added:
            self.stdout.write(
                f"Sending this week's digest to up to {added:,} reader(s) ({campaign.key})."
            )
        else:
            self.stdout.write(f"Nothing new to send: {campaign.key} went out already.")
