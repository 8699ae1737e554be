"""The one answer to "may this user read this guide in full?". Nothing else decides.

Premium readers: staff; users with complimentary access that has not expired; users with a
Stripe subscription whose status is active, trialing or past_due (Stripe's retry grace period).
A subscription set to cancel at period end keeps access until that period ends.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User
    from articles.models import Guide

ACCESS_STATUSES = frozenset({"active", "trialing", "past_due"})
_CACHE_ATTR = "_alphacode_premium_access"


def _has_paid_or_complimentary_access(user: User) -> bool:
    from accounts.models import User as UserModel

    from .models import ComplimentaryAccess, Subscription

    now = timezone.now()
    subscription = Subscription.objects.filter(
        user=OuterRef("pk"), status__in=ACCESS_STATUSES
    ).exclude(Q(cancel_at_period_end=True) & Q(current_period_end__lte=now))
    complimentary = ComplimentaryAccess.objects.filter(user=OuterRef("pk"), expires_at__gt=now)
    # One query answers both, so a guide page stays within its query budget.
    return (
        UserModel.objects.filter(pk=user.pk)
        .filter(Exists(subscription) | Exists(complimentary))
        .exists()
    )


def can_read_premium(user: User | AnonymousUser | None) -> bool:
    """True when the user may read every premium guide in full."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_staff:
        return True
    # Asked several times per request (page, header, paywall): answer once per user object.
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        cached = _has_paid_or_complimentary_access(user)
        setattr(user, _CACHE_ATTR, cached)
    return cached


def can_read(user: User | AnonymousUser | None, guide: Guide) -> bool:
    """True when the user may read this guide past its preview cut."""
    return not guide.is_premium or can_read_premium(user)


def forget(user: User | AnonymousUser | None) -> None:
    """Drop the per-object answer after the user's billing state changed in this request."""
    if user is not None and hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)
