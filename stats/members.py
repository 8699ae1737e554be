"""The members export for the owner: one row per member with their plan, their subscription and
whether they read premium now, read in one query however many members there are."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet, Subquery
from django.utils import timezone

from accounts.models import User
from billing.entitlements import (
    complimentary_access_now,
    personal_subscriptions_giving_access,
    team_subscriptions_seating,
    with_premium_access,
)
from billing.models import Subscription
from gifts.models import Gift

HEADER = [
    "id",
    "email",
    "display_name",
    "joined",
    "last_login",
    "plan",
    # What gives them premium access: subscription, team seat, gift, complimentary, staff.
    "access_source",
    "subscription_status",
    "monthly_usd",
    "trial_end",
    "period_end",
    "cancel_at_period_end",
    "cancellation_reason",
    "premium_access_now",
]
# The subscription fields each row carries, from the member's own subscription shown.
SUBSCRIPTION_FIELDS = (
    "status",
    "interval",
    "monthly_amount",
    "trial_end",
    "current_period_end",
    "cancel_at_period_end",
    "cancellation_feedback",
)
CHUNK = 2000
REASONS = dict(Subscription.CancellationReason.choices)  # the member's feedback, as Stripe words it


def members() -> QuerySet[User]:
    """Every member, oldest first, each annotated with the subscription of theirs the export
    shows (`sub_<field>`: the one giving them access, else their latest own one), whether it
    gives access, their complimentary access now, and whether they read premium now
    (billing.entitlements' rule, as a query)."""
    own = Subscription.objects.filter(user=OuterRef("pk"), purpose=Subscription.Purpose.PERSONAL)
    giving = personal_subscriptions_giving_access()
    shown = own.annotate(giving=Exists(giving.filter(pk=OuterRef("pk")))).order_by(
        "-giving", "-created_at", "-pk"
    )
    premium = with_premium_access(User.objects.filter(pk=OuterRef("pk")))
    return (
        User.objects.order_by("pk")
        .annotate(
            paying=Exists(giving.filter(user=OuterRef("pk"))),
            complimentary_until=Subquery(
                complimentary_access_now().filter(user=OuterRef("pk")).values("expires_at")[:1]
            ),
            premium=Exists(premium),
            seated=Exists(team_subscriptions_seating(OuterRef("pk"))),
            # A gift they redeemed whose months are not over.
            gifted=Exists(
                Gift.objects.filter(redeemed_by=OuterRef("pk"), access_until__gt=timezone.now())
            ),
            **{f"sub_{name}": Subquery(shown.values(name)[:1]) for name in SUBSCRIPTION_FIELDS},
        )
        .only("pk", "email", "name", "date_joined", "last_login", "is_staff")
    )


def _when(value: dt.datetime | None) -> str:
    return value.isoformat(timespec="seconds") if value else ""


def _plan(member: Any) -> str:
    if member.paying:
        return "annual" if member.sub_interval == "year" else "monthly"
    if member.seated:
        return "team seat"
    if member.complimentary_until:
        # A redeemed gift's months are complimentary access too.
        return "gift" if member.gifted else "complimentary"
    return "none"


def _source(member: Any) -> str:
    sources = [
        name
        for name, holds in (
            ("subscription", member.paying),
            ("team seat", member.seated),
            ("gift", member.complimentary_until and member.gifted),
            ("complimentary", member.complimentary_until and not member.gifted),
            ("staff", member.is_staff),
        )
        if holds
    ]
    return " ".join(sources)


def member_row(member: Any) -> list[Any]:
    amount = member.sub_monthly_amount if member.paying else None
    feedback = member.sub_cancellation_feedback or ""
    return [
        member.pk,
        member.email,
        member.name,
        _when(member.date_joined),
        _when(member.last_login),
        _plan(member),
        _source(member),
        member.sub_status or "",
        "" if amount is None else Decimal(amount).scaleb(-2),
        _when(member.sub_trial_end),
        _when(member.sub_current_period_end),
        "" if member.sub_status is None else ("yes" if member.sub_cancel_at_period_end else "no"),
        REASONS.get(feedback, feedback),
        "yes" if member.premium else "no",
    ]


def member_rows() -> Iterator[list[Any]]:
    """The header, then a row per member, read from the database in chunks as they are
    written (one query, a server-side cursor on Postgres)."""
    yield HEADER
    for member in members().iterator(chunk_size=CHUNK):
        yield member_row(member)
