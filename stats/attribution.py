"""Which guides bring subscribers: checkouts started from a guide's paywall, and each
subscription attributed to the last paywall its member saw in the 7 days before it started."""

from __future__ import annotations

import datetime as dt

from .models import Attribution, CheckoutStart

ATTRIBUTION_DAYS = 7


def checkout_record(*, user_id: int, token: str, guide_id: int | None) -> None:
    """A member was sent to Checkout (once per form: a resubmitted form is one checkout), from
    this guide's paywall when it names a guide the public may read. A draft, a guide still
    scheduled or an id of no guide shows no paywall to anyone, so such a checkout is kept with
    no guide, as one from the pricing page is."""
    from articles.models import Guide

    if guide_id is not None and not Guide.objects.published().filter(pk=guide_id).exists():
        guide_id = None
    CheckoutStart.objects.get_or_create(
        token=token, defaults={"user_id": user_id, "guide_id": guide_id}
    )


def attribute(stripe_subscription_id: str, started_at: dt.datetime) -> None:
    """Record, once, the last paywall the subscription's member saw in the 7 days up to its
    start (study.Reading.paywall_seen_at), or that there was none. Later paywalls (after a
    cancellation) never move it; `rebuild_stats` keeps it."""
    from billing.models import Subscription
    from study.models import Reading

    if Attribution.objects.filter(stripe_subscription_id=stripe_subscription_id).exists():
        return
    user_id = (
        Subscription.objects.filter(stripe_subscription_id=stripe_subscription_id)
        .values_list("user_id", flat=True)
        .first()
    )
    if user_id is None:
        return  # not ours yet: its next event tries again
    last = (
        Reading.objects.filter(
            user_id=user_id,
            # Stripe's times are whole seconds: a paywall seen in the second the subscription
            # started came before it.
            paywall_seen_at__lt=started_at + dt.timedelta(seconds=1),
            paywall_seen_at__gte=started_at - dt.timedelta(days=ATTRIBUTION_DAYS),
        )
        .order_by("-paywall_seen_at")
        .values_list("guide_id", flat=True)
        .first()
    )
    Attribution.objects.get_or_create(
        stripe_subscription_id=stripe_subscription_id,
        defaults={"guide_id": last, "subscribed_at": started_at},
    )
