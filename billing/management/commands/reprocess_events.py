from django.core.management.base import BaseCommand, CommandParser

from billing.errors import TRANSIENT_ERRORS, EventDeferred
from billing.events import event_reprocess
from billing.models import StripeEvent


class Command(BaseCommand):
    help = "Re-process stored Stripe events that failed or are stuck pending (or the given ids)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("event_ids", nargs="*", help="only these event ids")
        parser.add_argument("--failed", action="store_true", help="only failed events")

    def handle(self, *args, event_ids: list[str], failed: bool, **options) -> None:
        states = (
            [StripeEvent.State.FAILED]
            if failed
            else [StripeEvent.State.FAILED, StripeEvent.State.PENDING]
        )
        events = StripeEvent.objects.filter(state__in=states).order_by("received_at")
        if event_ids:
            events = events.filter(pk__in=event_ids)
        counts = {"processed": 0, "ignored": 0, "failed": 0, "retry later": 0}
        for event_id in events.values_list("pk", flat=True):
            try:
                event = event_reprocess(event_id=event_id)
            except (EventDeferred, *TRANSIENT_ERRORS) as exc:
                counts["retry later"] += 1
                self.stderr.write(f"{event_id}: {exc}")
                continue
            if event is None:
                counts["not stored"] = counts.get("not stored", 0) + 1
                continue
            counts[event.state] = counts.get(event.state, 0) + 1
            if event.state == StripeEvent.State.FAILED:
                self.stderr.write(f"{event_id}: {event.error}")
        self.stdout.write(", ".join(f"{n} {state}" for state, n in counts.items()))
