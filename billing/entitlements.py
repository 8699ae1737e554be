"""The one answer to "may this user read this guide in full?". Nothing else decides.

Premium readers: staff; users with complimentary access that has not expired; users with a
Stripe subscription whose status is active or trialing, or past_due for at most
BILLING_GRACE_DAYS after its first failed invoice (while Stripe retries the card). A
subscription set to cancel at period end keeps access until that period ends. A team's
subscription gives access to its seated members, not to the manager who pays for it.

A seat is read through the teams app's models by their relations (a user's Member, related
name `team_membership`, with `seated`, its `team` and the Team's `subscription`, related name
`team`; a Team's Members, related name `members`), so billing imports nothing from teams and the
answer is still one query.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from alphacode.cache import restamp, stamp_key, stamped_get

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User

    from .models import ComplimentaryAccess, Subscription

# Statuses that may give access: past_due only during the grace period (`in_grace`).
ACCESS_STATUSES = frozenset({"active", "trialing", "past_due"})
PAID_UP_STATUSES = frozenset({"active", "trialing"})
# A payment failed and is not made good yet (unpaid: Stripe stopped retrying).
FAILING_STATUSES = frozenset({"past_due", "unpaid"})
_CACHE_ATTR = "_alphacode_premium_access"
# The answer is cached for a short while under the user's billing stamp; every change to a
# user's billing state renews the stamp (forget), which retires the answer at once, even one
# that a read racing the change writes afterwards. The cache only ever saves work, it never
# decides. An answer also carries the time the clock alone would change it (`Access.until`),
# checked at every read, so a grace period ends on time with nothing written.
CACHE_SECONDS = 30


@dataclass(frozen=True)
class Access:
    """One user's answer, as cached: whether they read premium; until when that holds with
    nothing written (a grace period, a complimentary grant or a set-to-cancel period ending;
    None: for as long as nothing changes); and when the first invoice of a subscription of
    theirs that is past due or unpaid failed (what the header tells them)."""

    premium: bool
    until: dt.datetime | None = None
    payment_failed_at: dt.datetime | None = None
    # Whether a seat in a team whose subscription gives access is (one of) the source(s).
    seated: bool = False

    def is_current(self) -> bool:
        return self.until is None or timezone.now() < self.until


@dataclass(frozen=True)
class PaymentFailure:
    """A reader's failed payment: when it failed, and until when access continues while
    Stripe retries (None: it is over, access is paused until an invoice is paid)."""

    failed_at: dt.datetime
    access_until: dt.datetime | None


def grace_period() -> dt.timedelta:
    """How long a past-due subscription keeps access after its first failed invoice."""
    return dt.timedelta(days=settings.BILLING_GRACE_DAYS)


def grace_ends(payment_failed_at: dt.datetime) -> dt.datetime:
    return payment_failed_at + grace_period()


def in_grace(subscription: Subscription) -> bool:
    """A past-due subscription still in its grace period."""
    failed_at = subscription.payment_failed_at
    return (
        subscription.status == "past_due"
        and failed_at is not None
        and timezone.now() < grace_ends(failed_at)
    )


def cache_key(user_id: object) -> str:
    return f"premium-access:{user_id}"


def access_stamp_key(user_id: object) -> str:
    return stamp_key("premium-access", user_id)


def subscription_gives_access(subscription: Subscription) -> bool:
    """The subscription part of the rule, for one subscription already in memory; the same
    rule as `subscriptions_giving_access`."""
    ended = (
        subscription.cancel_at_period_end
        and subscription.current_period_end is not None
        and subscription.current_period_end <= timezone.now()
    )
    return (subscription.status in PAID_UP_STATUSES or in_grace(subscription)) and not ended


def subscriptions_giving_access() -> QuerySet[Subscription]:
    """The subscriptions that give access now: `subscription_gives_access` as a query."""
    from .models import Subscription

    now = timezone.now()
    paid_up = Q(status__in=PAID_UP_STATUSES)
    grace = Q(status="past_due", payment_failed_at__gt=now - grace_period())
    return Subscription.objects.filter(paid_up | grace).exclude(
        Q(cancel_at_period_end=True) & Q(current_period_end__lte=now)
    )


def complimentary_access_now() -> QuerySet[ComplimentaryAccess]:
    """The complimentary access that has not expired."""
    from .models import ComplimentaryAccess

    return ComplimentaryAccess.objects.filter(expires_at__gt=timezone.now())


def personal_subscriptions_giving_access() -> QuerySet[Subscription]:
    """The subscriptions that give their own member access now (a team's seats give access to
    the team's members, not to the manager who pays for them)."""
    return subscriptions_giving_access().filter(purpose="personal")


def team_subscriptions_seating(user_ref: OuterRef | int) -> QuerySet[Subscription]:
    """The team subscriptions giving access now in whose team this user holds a seat (one at
    most: a member belongs to one team)."""
    return subscriptions_giving_access().filter(
        purpose="team", team__members__user=user_ref, team__members__seated=True
    )


def _paid_or_complimentary() -> Q:
    """The rule for paid, seated or complimentary access, as a condition on users."""
    subscription = personal_subscriptions_giving_access().filter(user=OuterRef("pk"))
    seat = team_subscriptions_seating(OuterRef("pk"))
    complimentary = complimentary_access_now().filter(user=OuterRef("pk"))
    return Q(Exists(subscription)) | Q(Exists(seat)) | Q(Exists(complimentary))


def _first(rows: QuerySet, field: str) -> Subquery:
    """The earliest `field` of these rows, as a subquery."""
    return Subquery(rows.order_by(field).values(field)[:1])


# What the access answer reads of the team subscription of a member's seat.
SEAT_FIELDS = ("status", "payment_failed_at", "cancel_at_period_end", "current_period_end")


def _access(user: User) -> Access:
    from accounts.models import User as UserModel

    from .models import Subscription

    # One query answers all of it, so a guide page stays within its query budget.
    subscription = personal_subscriptions_giving_access().filter(user=OuterRef("pk"))
    complimentary = complimentary_access_now().filter(user=OuterRef("pk"))
    # Only the member's own failed payment is theirs to hear about: a team's is its manager's
    # (who is emailed), and a seat simply ends with the team's grace period.
    failing = Subscription.objects.filter(
        user=OuterRef("pk"),
        purpose="personal",
        status__in=FAILING_STATUSES,
        payment_failed_at__isnull=False,
    )
    # A member holds one seat at most: its team's subscription is joined, not asked for in
    # subqueries, and judged below by the same rule (`subscription_gives_access`).
    seat = "team_membership__team__subscription__"
    row = (
        UserModel.objects.filter(pk=user.pk)
        .annotate(
            paid=Exists(subscription),
            complimentary=Exists(complimentary),
            grace_from=_first(subscription.filter(status="past_due"), "payment_failed_at"),
            period_end=_first(subscription.filter(cancel_at_period_end=True), "current_period_end"),
            complimentary_end=_first(complimentary, "expires_at"),
            failed_at=_first(failing, "payment_failed_at"),
        )
        .values(
            "paid",
            "complimentary",
            "grace_from",
            "period_end",
            "complimentary_end",
            "failed_at",
            "team_membership__seated",
            *(f"{seat}{field}" for field in SEAT_FIELDS),
        )
        .first()
    )
    if row is None:
        return Access(False)
    team_subscription = Subscription(**{field: row[f"{seat}{field}"] for field in SEAT_FIELDS})
    seated = bool(row["team_membership__seated"]) and subscription_gives_access(team_subscription)
    premium = row["paid"] or seated or row["complimentary"]
    # The first of the times the clock would end a source of access: asked again then.
    ends = [
        grace_ends(row["grace_from"]) if row["grace_from"] else None,
        row["period_end"],
        row["complimentary_end"],
    ]
    if seated and team_subscription.status == "past_due" and team_subscription.payment_failed_at:
        ends.append(grace_ends(team_subscription.payment_failed_at))
    if seated and team_subscription.cancel_at_period_end:
        ends.append(team_subscription.current_period_end)
    until = min((end for end in ends if end is not None), default=None) if premium else None
    return Access(premium, until, row["failed_at"], seated)


def _access_of(user: User) -> Access:
    """The user's answer: from this user object, the cache, or the database."""
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None or not cached.is_current():
        load = functools.partial(_access, user)
        cached = stamped_get(cache_key(user.pk), access_stamp_key(user.pk), load, CACHE_SECONDS)
        if not cached.is_current():
            # Cached before its time ran out: read again, and keep the fresh answer.
            forget_user_id(user.pk)
            cached = stamped_get(cache_key(user.pk), access_stamp_key(user.pk), load, CACHE_SECONDS)
        setattr(user, _CACHE_ATTR, cached)
    return cached


def with_premium_access(users: QuerySet[User]) -> QuerySet[User]:
    """These users narrowed to those who may read premium: can_read_premium's rule as a query,
    for sending to many readers at once (staff and seated team members included)."""
    return users.filter(Q(is_staff=True) | _paid_or_complimentary())


def can_read_premium(user: User | AnonymousUser | None) -> bool:
    """True when the user may read every premium guide in full."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_staff:
        return True
    # Asked several times per request (page, header, paywall): answered once per user object
    # (and again should its time run out meanwhile).
    return _access_of(user).premium


def reads_from_team_seat(user: User | AnonymousUser | None) -> bool:
    """Whether the user reads premium from a team's seat (the same cached answer as
    `can_read_premium`), for pages that say where access comes from."""
    if user is None or not user.is_authenticated or not user.is_active or user.is_staff:
        return False
    return _access_of(user).seated


def payment_failure(user: User | AnonymousUser | None) -> PaymentFailure | None:
    """The reader's failed payment, if a subscription of theirs is past due or unpaid: when it
    failed, and until when access continues while Stripe retries; or paused (no end) once the
    grace period is over and nothing else gives them access. None when there is nothing to
    tell. No query for a visitor or staff; for a member, the same cached answer as
    `can_read_premium`."""
    if user is None or not user.is_authenticated or not user.is_active or user.is_staff:
        return None
    access = _access_of(user)
    failed_at = access.payment_failed_at
    if failed_at is None:
        return None
    ends = grace_ends(failed_at)
    if timezone.now() < ends and access.premium:
        return PaymentFailure(failed_at, ends)
    if not access.premium:
        return PaymentFailure(failed_at, None)
    return None


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
