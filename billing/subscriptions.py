"""Sync local billing state from Stripe: customers, subscriptions, a finished Checkout.

A sync is a fetch of Stripe's true state and an upsert, never a delta, so a stored event
(`billing.events`), the success page and the daily reconcile can all call it in any order.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import User

from . import stripe_gateway as gateway
from .entitlements import ACCESS_STATUSES, FAILING_STATUSES, forget_user_id
from .models import Customer, Subscription
from .signals import send_logged, subscription_synced

logger = logging.getLogger(__name__)


def stripe_time(value: int | None) -> dt.datetime | None:
    """A Stripe timestamp (seconds since the epoch) as an aware datetime; None for none."""
    return dt.datetime.fromtimestamp(value, tz=dt.UTC) if value else None


def _user_by_id(raw: object) -> User | None:
    try:
        return User.objects.get(pk=int(str(raw)))
    except (TypeError, ValueError, User.DoesNotExist):
        return None


def _for_a_team(metadata: dict | None) -> bool:
    """Whether a subscription's or Checkout Session's metadata names a team (set at the team's
    Checkout): its customer is the team's own, never the member's personal one."""
    return bool((metadata or {}).get("team_id"))


def own_customer_remember(user: User, obj: dict) -> None:
    """Remember the customer a Stripe subscription or Checkout Session names as the user's own,
    unless it is for a team: a team's seats are billed to the team's own customer (teams keeps
    it), never the member's personal one."""
    if obj.get("customer") and not _for_a_team(obj.get("metadata")):
        customer_remember(user=user, stripe_customer_id=obj["customer"])


def customer_remember(*, user: User, stripe_customer_id: str) -> Customer | None:
    """Store the user's own Stripe customer the first time it is known. A user keeps one
    customer: a different id later is logged, not stored. A team's customer is not theirs:
    callers never pass one (own_customer_remember decides)."""
    existing = Customer.objects.filter(user=user).first()
    if existing:
        if existing.stripe_customer_id != stripe_customer_id:
            logger.warning(
                "user %s already has customer %s; not replacing it with %s",
                user.pk,
                existing.stripe_customer_id,
                stripe_customer_id,
            )
        return existing
    try:
        with transaction.atomic():
            return Customer.objects.create(user=user, stripe_customer_id=stripe_customer_id)
    except IntegrityError:
        # Either a concurrent request stored it first, or the id belongs to another user.
        return Customer.objects.filter(user=user).first()


def customer_for_checkout(*, user: User) -> str:
    """The user's Stripe customer id, created in Stripe (once) if the user has none yet."""
    existing = Customer.objects.filter(user=user).first()
    if existing:
        return existing.stripe_customer_id
    created = gateway.customer_create(email=user.email, user_id=user.pk)
    stored = customer_remember(user=user, stripe_customer_id=created["id"])
    return stored.stripe_customer_id if stored else created["id"]


def paid_subscription_exists(*, user: User) -> bool:
    """Whether the user already pays for their own access (so a second Checkout would
    double-bill them). A team's seats they pay for are not theirs: they may still subscribe."""
    if not user.is_authenticated:
        return False
    return Subscription.objects.filter(
        user=user, status__in=ACCESS_STATUSES, purpose=Subscription.Purpose.PERSONAL
    ).exists()


def trial_allowed(*, user: User, stripe_customer_id: str | None = None) -> bool:
    """Whether a checkout may start with the free trial: only a first subscription, so not if
    we keep any subscription (of any status, ended or not) of this user or of their Stripe
    customer (the one given, else the one stored for them). Decided from our own records,
    never by email address. A team's seats bought by the user are not a subscription of their
    own: buying seats for a team does not cost the buyer their own first trial."""
    if stripe_customer_id:
        customer_ids = [stripe_customer_id]
    else:
        customer_ids = list(
            Customer.objects.filter(user=user).values_list("stripe_customer_id", flat=True)
        )
    return not (
        Subscription.objects.filter(Q(user=user) | Q(stripe_customer_id__in=customer_ids))
        .filter(purpose=Subscription.Purpose.PERSONAL)
        .exists()
    )


def lock_subscription(stripe_subscription_id: str) -> None:
    """Serialise syncs of one subscription, even before its row exists, so an older fetch never
    overwrites a newer one. The lock ends with the transaction."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(hashtext(%s))", [f"sub:{stripe_subscription_id}"]
            )
    else:
        Subscription.objects.select_for_update().filter(
            stripe_subscription_id=stripe_subscription_id
        ).first()


def _resolve_user(data: dict, user_hint: User | None) -> User | None:
    """Map a Stripe subscription to our user: by the user id we put in its metadata (a team's
    seats name their manager there: a team's customer is no user's), then by its customer.
    Never by email."""
    user = _user_by_id((data.get("metadata") or {}).get("user_id"))
    if user is None:
        customer = (
            Customer.objects.select_related("user")
            .filter(stripe_customer_id=data.get("customer"))
            .first()
        )
        user = customer.user if customer else None
    return user or user_hint


# A price's interval as a fraction of a month.
MONTHS = {"day": 12 / 365, "week": 12 / 52, "month": 1, "year": 12}


def monthly_amount(data: dict) -> int | None:
    """What a Stripe subscription brings in a month, in cents: each item's price times its
    quantity, per month (a yearly price counts a twelfth), less its coupons (percent off, or
    an amount off each invoice). None when a price has no amount or no recurring interval."""
    total = 0.0
    invoice_months = 1.0  # how many months one invoice covers
    for item in (data.get("items") or {}).get("data") or []:
        price = item.get("price") or {}
        recurring = price.get("recurring") or {}
        months = MONTHS.get(recurring.get("interval", ""))
        if price.get("unit_amount") is None or months is None:
            return None
        invoice_months = months * (recurring.get("interval_count") or 1)
        quantity = item.get("quantity")
        total += price["unit_amount"] * (1 if quantity is None else quantity) / invoice_months
    for discount in data.get("discounts") or []:
        coupon = _coupon(discount)
        if coupon.get("percent_off"):
            total *= 1 - coupon["percent_off"] / 100
        elif coupon.get("amount_off"):
            total -= coupon["amount_off"] / invoice_months  # taken off each invoice
    return max(0, round(total))


def _coupon(discount: object) -> dict[str, Any]:
    """A discount's coupon, as expanded (the current API keeps it at source.coupon; earlier
    versions at coupon); {} when it was not expanded."""
    if not isinstance(discount, dict):
        return {}
    coupon = (discount.get("source") or {}).get("coupon") or discount.get("coupon")
    return coupon if isinstance(coupon, dict) else {}


def _payment_failed_at(data: dict, stored: dt.datetime | None) -> dt.datetime | None:
    """When the first invoice of the subscription's current unpaid stretch failed; None when it
    is paid up. Worked out from Stripe's open invoices, not from the order events came in, so a
    late `invoice.payment_failed` after the invoice was paid, or a late `invoice.paid` for an
    earlier stretch, changes nothing. An ended subscription keeps what we knew when it ended
    (a failure that ended it stays on record)."""
    if data.get("status") in Subscription.ENDED_STATUSES:
        return stored
    if data.get("status") not in FAILING_STATUSES:
        return None
    failed = [
        # Stripe keeps no time of an invoice's first failed attempt; a subscription's invoice
        # is first attempted when it is finalized.
        stripe_time((invoice.get("status_transitions") or {}).get("finalized_at"))
        or stripe_time(invoice.get("created"))
        for invoice in gateway.invoices_open(data["id"])
        if invoice.get("attempt_count")
    ]
    times = [time for time in failed if time is not None]
    # None found (an unpaid subscription's invoices written off): what we knew, or from now.
    return min(times) if times else stored or timezone.now()


def subscription_sync(
    *, stripe_subscription_id: str, user_hint: User | None = None
) -> Subscription | None:
    """Fetch the subscription from Stripe and upsert our copy of it."""
    with transaction.atomic():
        lock_subscription(stripe_subscription_id)
        data = gateway.subscription_retrieve(stripe_subscription_id)
        user = _resolve_user(data, user_hint)
        if user is None:
            logger.warning(
                "subscription %s (customer %s) matches no user; not stored",
                stripe_subscription_id,
                data.get("customer"),
            )
            return None
        metadata = data.get("metadata") or {}
        team = _for_a_team(metadata)
        own_customer_remember(user, data)
        stored = (
            Subscription.objects.filter(stripe_subscription_id=stripe_subscription_id)
            .values_list("payment_failed_at", flat=True)
            .first()
        )
        items = (data.get("items") or {}).get("data") or [{}]
        item = items[0]
        price = item.get("price") or {}
        # Only what the member chose in the Portal; Stripe's own `reason` says who cancelled.
        cancellation = data.get("cancellation_details") or {}
        values = {
            "user": user,
            "stripe_customer_id": data.get("customer") or "",
            "status": data["status"],
            # A team's seats carry their team's id in the metadata (set at Checkout).
            "purpose": Subscription.Purpose.TEAM if team else Subscription.Purpose.PERSONAL,
            "quantity": item.get("quantity") or 1,
            "price_id": price.get("id", ""),
            "amount": price.get("unit_amount"),
            "currency": price.get("currency", ""),
            "interval": (price.get("recurring") or {}).get("interval", ""),
            "monthly_amount": monthly_amount(data),
            # The current API keeps the billing period on the items, not the subscription.
            "current_period_end": stripe_time(item.get("current_period_end")),
            "cancel_at_period_end": bool(data.get("cancel_at_period_end")),
            "trial_end": stripe_time(data.get("trial_end")),
            "ended_at": stripe_time(data.get("ended_at")),
            "canceled_at": stripe_time(data.get("canceled_at")),
            "cancellation_feedback": (cancellation.get("feedback") or "")[:32],
            "cancellation_comment": cancellation.get("comment") or "",
            "cancellation_reason": (cancellation.get("reason") or "")[:32],
            "payment_failed_at": _payment_failed_at(data, stored),
            "last_synced_at": timezone.now(),
        }
        subscription, _ = Subscription.objects.update_or_create(
            stripe_subscription_id=stripe_subscription_id, defaults=values
        )
        # Forget the cached answer now and again after commit, so no reader keeps (or waits
        # for) access that Stripe's state no longer gives.
        forget_user_id(user.pk)
        # What others keep of it (a team's seats) never fails the sync.
        send_logged(
            subscription_synced,
            Subscription,
            f"subscription {stripe_subscription_id}",
            subscription=subscription,
            metadata=metadata,
        )
        return subscription


def checkout_session_sync(*, session_id: str, user: User) -> Subscription | None:
    """The success page's immediate sync: the reader should not wait for the webhook."""
    session = gateway.checkout_session_retrieve(session_id)
    if str(session.get("client_reference_id")) != str(user.pk):
        raise PermissionError("this checkout session belongs to another user")
    return checkout_session_apply(session)


def checkout_session_apply(session: dict) -> Subscription | None:
    """Store what a completed Checkout session names: the user's customer (not a team's), the
    subscription."""
    user = _user_by_id(session.get("client_reference_id")) or _user_by_id(
        (session.get("metadata") or {}).get("user_id")
    )
    if user is None:
        logger.warning("checkout session %s names no known user", session.get("id"))
        return None
    own_customer_remember(user, session)
    if session.get("subscription"):
        subscription_id = session["subscription"]
        if isinstance(subscription_id, dict):
            subscription_id = subscription_id["id"]
        return subscription_sync(stripe_subscription_id=subscription_id, user_hint=user)
    return None
