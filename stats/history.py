"""Each subscription's history, in Stripe's times: when it started giving access and when it
stopped (and started again). It is worked out from the subscription events Stripe sent us
(stored as billing.StripeEvent, each with the subscription as it was), sorted by when Stripe made
them, so it does not depend on the order they arrived or were handled in: the running history
(refreshed for a subscription each time one of its events is handled) and `rebuild_stats`
(every subscription at once) give the same rows."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db import transaction

from billing.entitlements import ACCESS_STATUSES
from billing.models import StripeEvent

from .models import SubscriptionChange

SUBSCRIPTION_EVENT_PREFIX = "customer.subscription."
# When Stripe made an event, and the subscription as the event carried it.
Snapshot = tuple[dt.datetime, dict[str, Any]]


def _time(value: object) -> dt.datetime | None:
    return dt.datetime.fromtimestamp(value, dt.UTC) if isinstance(value, int) else None


def changes_of(
    snapshots: Iterable[tuple[dt.datetime, dict[str, Any]]],
) -> list[tuple[str, dt.datetime]]:
    """(kind, time) for each time a subscription started or stopped giving access, from its
    snapshots (when Stripe made the event, the subscription in it), in any order. The first
    start is the subscription's start_date; an end is its ended_at (or canceled_at) when it has
    one; any other change is dated by its event."""
    changes: list[tuple[str, dt.datetime]] = []
    subscribed = False
    for made, subscription in sorted(snapshots, key=lambda pair: pair[0]):
        now = subscription.get("status") in ACCESS_STATUSES
        if now and not subscribed:
            first = not changes
            at = (_time(subscription.get("start_date")) if first else None) or made
            changes.append((SubscriptionChange.Kind.STARTED, at))
        elif subscribed and not now:
            at = (
                _time(subscription.get("ended_at"))
                or _time(subscription.get("canceled_at"))
                or made
            )
            changes.append((SubscriptionChange.Kind.ENDED, at))
        subscribed = now
    return changes


def _snapshots(stripe_subscription_id: str | None = None) -> dict[str, list[Snapshot]]:
    events = StripeEvent.objects.filter(type__startswith=SUBSCRIPTION_EVENT_PREFIX)
    if stripe_subscription_id is not None:
        events = events.filter(payload__data__object__id=stripe_subscription_id)
    found: dict[str, list[Snapshot]] = defaultdict(list)
    for payload in events.values_list("payload", flat=True).iterator():
        subscription = (payload.get("data") or {}).get("object") or {}
        made = _time(payload.get("created"))
        if subscription.get("id") and made is not None:
            found[subscription["id"]].append((made, subscription))
    return found


def _write(stripe_subscription_id: str, snapshots: list[Snapshot]) -> int:
    SubscriptionChange.objects.filter(stripe_subscription_id=stripe_subscription_id).delete()
    rows = [
        SubscriptionChange(stripe_subscription_id=stripe_subscription_id, kind=kind, at=at)
        for kind, at in changes_of(snapshots)
    ]
    SubscriptionChange.objects.bulk_create(rows)
    return len(rows)


def history_refresh(stripe_subscription_id: str) -> int:
    """Work this subscription's history out again from its stored events; how many changes."""
    with transaction.atomic():
        snapshots = _snapshots(stripe_subscription_id).get(stripe_subscription_id, [])
        return _write(stripe_subscription_id, snapshots)


def history_rebuild() -> tuple[int, int]:
    """Every subscription's history from scratch; (subscriptions, changes)."""
    with transaction.atomic():
        SubscriptionChange.objects.all().delete()
        found = _snapshots()
        return len(found), sum(_write(sub_id, snapshots) for sub_id, snapshots in found.items())
