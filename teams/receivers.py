"""Billing's `subscription_synced`, received: a team's seats follow its subscription."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from billing.models import Subscription

from .services import team_subscription_link


def team_subscription_synced(
    sender: type[Subscription], subscription: Subscription, metadata: dict, **kwargs: Any
) -> None:
    # Its own savepoint: a failure here is logged by billing and undoes only this.
    with transaction.atomic():
        team_subscription_link(subscription=subscription, metadata=metadata)
