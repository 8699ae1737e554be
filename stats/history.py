"""Each subscription's history, in Stripe's times: when it started giving access and when it
stopped (and started again), by the paywall's rule (a past-due one only for its grace period).
It is worked out from the subscription events Stripe sent us (stored as billing.StripeEvent,
each with the subscription as it was), sorted by when Stripe made them, so it does not depend
on the order they arrived or were handled in: the running history (refreshed for a
subscription each time one of its events is handled) and `rebuild_stats` (every subscription
again) give the same rows. Events Stripe made in the same second are taken in the order they
reached us. Both take the subscription's lock (the one its syncs take), so a rebuild and a
webhook never write one subscription's rows at once."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db import transaction

from billing.entitlements import FAILING_STATUSES, PAID_UP_STATUSES, grace_period
from billing.models import StripeEvent
from billing.subscriptions import lock_subscription, stripe_time

from .attribution import attribute
from .models import SubscriptionChange

SUBSCRIPTION_EVENT_PREFIX = "customer.subscription."
# When Stripe made an event (to the second, then the order it reached us), and the subscription
# as the event carried it.
Snapshot = tuple[tuple[dt.datetime, dt.datetime, str], dict[str, Any]]


def _time(value: object) -> dt.datetime | None:
    """A stored payload's timestamp, or None for anything that is not one."""
    return stripe_time(value) if isinstance(value, int) else None


def changes_of(snapshots: Iterable[Snapshot]) -> list[tuple[str, dt.datetime]]:
    """(kind, time) for each time a subscription started or stopped giving access, from its
    snapshots, in any order, by the paywall's rule (billing.entitlements): active and trialing
    give access; past_due only for BILLING_GRACE_DAYS after its unpaid stretch began. The first
    start is the subscription's start_date; a cancellation is its ended_at; a grace period that
    runs out ends access at its end (even one still to come: the dashboard counts no end before
    it happens); any other change (unpaid, paused, paid again) is dated by its event. An end is
    never dated before the start it ends."""
    changes: list[tuple[str, dt.datetime]] = []
    subscribed = False
    # When the unpaid stretch began: the time of the first snapshot that shows it. Stripe marks
    # a subscription past due when its invoice's first attempt fails, and sends the event then.
    failing_since: dt.datetime | None = None
    grace = grace_period()

    def end(at: dt.datetime) -> None:
        changes.append((SubscriptionChange.Kind.ENDED, max(at, changes[-1][1])))

    for order, subscription in sorted(snapshots, key=lambda pair: pair[0]):
        made = order[0]
        status = subscription.get("status")
        if subscribed and failing_since is not None and made >= failing_since + grace:
            end(failing_since + grace)  # the grace period ran out before this snapshot
            subscribed = False
        if status not in FAILING_STATUSES:
            failing_since = None
        elif failing_since is None:
            failing_since = made
        now = status in PAID_UP_STATUSES or (
            status == "past_due" and failing_since is not None and made < failing_since + grace
        )
        if now and not subscribed:
            first = not changes
            at = (_time(subscription.get("start_date")) if first else None) or made
            changes.append((SubscriptionChange.Kind.STARTED, at))
        elif subscribed and not now:
            ended = subscription.get("status") == "canceled" and (
                _time(subscription.get("ended_at")) or _time(subscription.get("canceled_at"))
            )
            end(ended or made)
        subscribed = now
    if subscribed and failing_since is not None:
        end(failing_since + grace)  # still past due: access ends with the grace period
    return changes


def _snapshots(stripe_subscription_id: str | None = None) -> dict[str, list[Snapshot]]:
    events = StripeEvent.objects.filter(type__startswith=SUBSCRIPTION_EVENT_PREFIX)
    if stripe_subscription_id is not None:
        events = events.filter(payload__data__object__id=stripe_subscription_id)
    found: dict[str, list[Snapshot]] = defaultdict(list)
    for event_id, received, payload in events.values_list("id", "received_at", "payload"):
        subscription = (payload.get("data") or {}).get("object") or {}
        made = _time(payload.get("created"))
        if subscription.get("id") and made is not None:
            found[subscription["id"]].append(((made, received, event_id), subscription))
    return found


def _write(stripe_subscription_id: str, snapshots: list[Snapshot]) -> int:
    """The subscription's changes written again, and, once it has started, the paywall it
    followed (stats.attribution)."""
    SubscriptionChange.objects.filter(stripe_subscription_id=stripe_subscription_id).delete()
    rows = [
        SubscriptionChange(stripe_subscription_id=stripe_subscription_id, kind=kind, at=at)
        for kind, at in changes_of(snapshots)
    ]
    SubscriptionChange.objects.bulk_create(rows)
    if rows:
        attribute(stripe_subscription_id, rows[0].at)  # the first change is its start
    return len(rows)


def history_refresh(stripe_subscription_id: str) -> int:
    """Work this subscription's history out again from its stored events; how many changes."""
    with transaction.atomic():
        lock_subscription(stripe_subscription_id)
        snapshots = _snapshots(stripe_subscription_id).get(stripe_subscription_id, [])
        return _write(stripe_subscription_id, snapshots)


def history_rebuild() -> tuple[int, int]:
    """Every subscription's history from scratch, one subscription at a time under its lock;
    (subscriptions, changes)."""
    events = StripeEvent.objects.filter(type__startswith=SUBSCRIPTION_EVENT_PREFIX)
    # Only the ids here: each subscription's payloads are read under its lock below.
    ids = {i for i in events.values_list("payload__data__object__id", flat=True) if i}
    SubscriptionChange.objects.exclude(stripe_subscription_id__in=ids).delete()
    return len(ids), sum(history_refresh(sub_id) for sub_id in sorted(ids))
