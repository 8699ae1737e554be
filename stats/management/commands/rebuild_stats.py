"""manage.py rebuild_stats: work every subscription's history out again from the stored Stripe
events (stats.history), from which the dashboard's weekly figures are counted, and attribute each
subscription that has no attribution yet to the last paywall its member saw (stats.attribution)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from stats.history import history_rebuild


class Command(BaseCommand):
    help = "Rebuild the subscriptions' history (the dashboard's weekly figures) from Stripe events."

    def handle(self, *args: Any, **options: Any) -> None:
        subscriptions, changes = history_rebuild()
        self.stdout.write(
            f"Rebuilt the history of {subscriptions:,} subscription(s): {changes:,} change(s)."
        )
