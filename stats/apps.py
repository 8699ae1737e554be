from __future__ import annotations

from typing import Any

from django.apps import AppConfig


class StatsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "stats"
    verbose_name = "Owner's dashboard"

    def ready(self) -> None:
        from billing.signals import checkout_started, subscription_event_handled

        subscription_event_handled.connect(_subscription_event, dispatch_uid="stats.history")
        checkout_started.connect(_checkout_started, dispatch_uid="stats.checkouts")


def _subscription_event(sender: Any, subscription_id: str, **kwargs: Any) -> None:
    from .history import history_refresh

    history_refresh(subscription_id)


def _checkout_started(
    sender: Any, user: Any, token: str, guide_id: int | None, **kwargs: Any
) -> None:
    from .attribution import checkout_record

    checkout_record(user_id=user.pk, token=token, guide_id=guide_id)
