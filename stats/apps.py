from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.apps import AppConfig

if TYPE_CHECKING:
    from billing.models import StripeEvent


class StatsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "stats"
    verbose_name = "Owner's dashboard"

    def ready(self) -> None:
        from billing.signals import subscription_event_handled

        subscription_event_handled.connect(_subscription_event, dispatch_uid="stats.history")


def _subscription_event(sender: Any, event: StripeEvent, **kwargs: Any) -> None:
    from .history import history_refresh

    subscription_id = ((event.payload.get("data") or {}).get("object") or {}).get("id")
    if subscription_id:
        history_refresh(subscription_id)
