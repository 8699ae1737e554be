"""The owner's figures, from our own rows (never Stripe's dashboard): monthly recurring revenue
and members now."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.utils import timezone

from accounts.models import User
from billing.entitlements import subscriptions_giving_access
from billing.models import ComplimentaryAccess


@dataclass(frozen=True)
class Now:
    """Revenue and members at this moment. Amounts in cents."""

    mrr: int  # what every subscription that gives access brings in a month, coupons taken off
    active: int
    trialing: int
    past_due: int
    set_to_cancel: int  # still giving access until the period ends, whatever the status
    complimentary: int  # readers with complimentary access now
    without_subscription: int  # active members with neither

    @property
    def mrr_dollars(self) -> float:
        return self.mrr / 100

    @property
    def subscribers(self) -> int:
        return self.active + self.trialing + self.past_due + self.set_to_cancel


def now_figures() -> Now:
    """Three queries: the subscriptions that give access (billing.entitlements' rule), the
    complimentary readers, and the members with neither."""
    paying = subscriptions_giving_access()
    staying = Q(cancel_at_period_end=False)
    figures = paying.aggregate(
        mrr=Sum("monthly_amount", default=0),
        active=Count("pk", filter=staying & Q(status="active")),
        trialing=Count("pk", filter=staying & Q(status="trialing")),
        past_due=Count("pk", filter=staying & Q(status="past_due")),
        set_to_cancel=Count("pk", filter=Q(cancel_at_period_end=True)),
    )
    complimentary = ComplimentaryAccess.objects.filter(expires_at__gt=timezone.now())
    without = (
        User.objects.filter(is_active=True, is_staff=False)
        .exclude(Exists(paying.filter(user=OuterRef("pk"))))
        .exclude(Exists(complimentary.filter(user=OuterRef("pk"))))
    )
    return Now(
        **figures,
        complimentary=complimentary.count(),
        without_subscription=without.count(),
    )
