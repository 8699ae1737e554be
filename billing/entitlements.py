"""The one answer to "may this user read this guide in full?". Nothing else decides.

Premium readers: staff; users with complimentary access that has not expired; users with a
Stripe subscription whose status is active, trialing or past_due (Stripe's retry grace period).
A subscription set to cancel at period end keeps access until that period ends.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from alphacode.cache import restamp, stamp_key, stamped_get

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User

    from .models import ComplimentaryAccess, Subscription

ACCESS_STATUSES = frozenset({"active", "trialing", "past_due"})
_CACHE_ATTR = "_alphacode_premium_access"
# The answer is cached for a short while under the user's billing stamp; every change to a
# user's billing state renews the stamp (forget), which retires the answer at once, even one
# that a read racing the change writes afterwards. The cache only ever saves work, it never
# decides.
CACHE_SECONDS = 30


def cache_key(user_id: object) -> str:
    return f"premium-access:{user_id}"


def access_stamp_key(user_id: object) -> str:
    return stamp_key("premium-access", user_id)


def subscription_gives_access(subscription: Subscription) -> bool:
    """The subscription part of the rule, for one subscription already in memory; the same
    rule as the query in _has_paid_or_complimentary_access."""
    ended = (
        subscription.cancel_at_period_end
        and subscription.current_period_end is not None
        and subscription.current_period_end <= timezone.now()
    )
    return subscription.status in ACCESS_STATUSES and not ended


def subscriptions_giving_access() -> QuerySet[Subscription]:
    """The subscriptions that give access now: `subscription_gives_access` as a query."""
    from .models import Subscription

    return Subscription.objects.filter(status__in=ACCESS_STATUSES).exclude(
        Q(cancel_at_period_end=True) & Q(current_period_end__lte=timezone.now())
    )


def complimentary_access_now() -> QuerySet[ComplimentaryAccess]:
    """The complimentary access that has not expired."""
    from .models import ComplimentaryAccess

    return ComplimentaryAccess.objects.filter(expires_at__gt=timezone.now())


def _paid_or_complimentary() -> Q:
    """The rule for paid or complimentary access, as a condition on users."""
    subscription = subscriptions_giving_access().filter(user=OuterRef("pk"))
    complimentary = complimentary_access_now().filter(user=OuterRef("pk"))
    return Q(Exists(subscription)) | Q(Exists(complimentary))


def _has_paid_or_complimentary_access(user: User) -> bool:
    from accounts.models import User as UserModel

    # One query answers both, so a guide page stays within its query budget.
    return UserModel.objects.filter(pk=user.pk).filter(_paid_or_complimentary()).exists()


def with_premium_access(users: QuerySet[User]) -> QuerySet[User]:
    """These users narrowed to those who may read premium: can_read_premium's rule as a query,
    for sending to many readers at once (staff included)."""
    return users.filter(Q(is_staff=True) | _paid_or_complimentary())


def can_read_premium(user: User | AnonymousUser | None) -> bool:
    """True when the user may read every premium guide in full."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_staff:
        return True
    # Asked several times per request (page, header, paywall): answer once per user object.
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        cached = stamped_get(
            cache_key(user.pk),
            access_stamp_key(user.pk),
            lambda: _has_paid_or_complimentary_access(user),
            CACHE_SECONDS,
        )
        setattr(user, _CACHE_ATTR, cached)
    return cached


class Gated(Protocol):
    """Content behind the paywall when premium: a guide, a practice problem."""

    @property
    def is_premium(self) -> bool: ...


def can_read(user: User | AnonymousUser | None, content: Gated) -> bool:
    """True when the user may read this guide past its preview cut, or read and run this
    practice problem in full."""
    return not content.is_premium or can_read_premium(user)


def forget(user: User | AnonymousUser | None) -> None:
    """Drop the remembered answer after the user's billing state changed."""
    if user is None or not user.is_authenticated:
        return
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)
    forget_user_id(user.pk)


def forget_user_id(user_id: int) -> None:
    """Retire the user's cached answer now and once the current transaction commits."""
    restamp(access_stamp_key(user_id))
