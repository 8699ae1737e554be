"""Sync local billing state from Stripe, and process stored webhook events.

Processing is state sync, not deltas: every event that touches a subscription makes us
re-fetch that subscription from Stripe and upsert it, so duplicates and any delivery order
converge on Stripe's true state.
"""

from __future__ import annotations

import datetime as dt
import logging
import random

import redis
from django.conf import settings
from django.db import IntegrityError, OperationalError, connection, transaction
from django.utils import timezone
from django.utils.dateformat import format as date_format

from accounts.models import User
from alphacode.context_processors import site_urls

from . import stripe_gateway as gateway
from .emails import email_queue
from .entitlements import ACCESS_STATUSES, forget_user_id
from .models import Customer, SentEmail, StripeEvent, Subscription

logger = logging.getLogger(__name__)

SUBSCRIPTION_EVENTS = {
    "customer.subscription.created",
    "customer.subscription.updated",
    "customer.subscription.deleted",
    "customer.subscription.paused",
    "customer.subscription.resumed",
}
INVOICE_EVENTS = {"invoice.paid", "invoice.payment_failed", "invoice.payment_action_required"}
HANDLED_EVENTS = {"checkout.session.completed", *SUBSCRIPTION_EVENTS, *INVOICE_EVENTS}
# Worth retrying later: Stripe unreachable or rate-limiting, the database briefly away.
# Worth another attempt: Stripe or the database away for now, or the cache (Redis), which
# processing must reach to retire a reader's cached access.
TRANSIENT_ERRORS = (
    gateway.StripeUnavailable,
    OperationalError,
    redis.ConnectionError,
    redis.TimeoutError,
)
# An event's attempts back off from 2 s, doubling, to at most 10 minutes apart.
RETRY_FIRST_SECONDS = 2
RETRY_MAX_SECONDS = 600
# A pending event whose next attempt is this overdue has lost its chain of attempts (stored
# while the broker was down, a message lost): the beat sweep starts another.
LOST_AFTER = dt.timedelta(minutes=3)
SWEEP_BATCH = 1000


class EventDeferred(Exception):
    """The event could not be processed for now (Stripe unreachable, the database away); it
    stays pending, and its next attempt is due at `due`."""

    def __init__(self, message: str, *, due: dt.datetime) -> None:
        super().__init__(message)
        self.due = due


def retry_delay(attempts: int) -> dt.timedelta:
    """The wait after the given number of failed attempts. Equal jitter: events that failed
    together spread out, and each wait is at least as long as the one before (until the cap)."""
    step = min(RETRY_MAX_SECONDS, RETRY_FIRST_SECONDS * 2 ** max(attempts - 1, 0))
    return dt.timedelta(seconds=step / 2 + random.uniform(0, step / 2))


def _timestamp(value: int | None) -> dt.datetime | None:
    return dt.datetime.fromtimestamp(value, tz=dt.UTC) if value else None


def _user_by_id(raw: object) -> User | None:
    try:
        return User.objects.get(pk=int(str(raw)))
    except (TypeError, ValueError, User.DoesNotExist):
        return None


def customer_remember(*, user: User, stripe_customer_id: str) -> Customer | None:
    """Store the user's Stripe customer the first time it is known. A user keeps one customer:
    a different id later is logged, not stored."""
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
    """Whether the user already pays (so a second Checkout would double-bill them)."""
    if not user.is_authenticated:
        return False
    return Subscription.objects.filter(user=user, status__in=ACCESS_STATUSES).exists()


def _lock_subscription(stripe_subscription_id: str) -> None:
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
    """Map a Stripe subscription to our user: by the user id we put in its metadata, then by
    its customer. Never by email."""
    user = _user_by_id((data.get("metadata") or {}).get("user_id"))
    if user is None:
        customer = (
            Customer.objects.select_related("user")
            .filter(stripe_customer_id=data.get("customer"))
            .first()
        )
        user = customer.user if customer else None
    return user or user_hint


def subscription_sync(
    *, stripe_subscription_id: str, user_hint: User | None = None
) -> Subscription | None:
    """Fetch the subscription from Stripe and upsert our copy of it."""
    with transaction.atomic():
        _lock_subscription(stripe_subscription_id)
        data = gateway.subscription_retrieve(stripe_subscription_id)
        user = _resolve_user(data, user_hint)
        if user is None:
            logger.warning(
                "subscription %s (customer %s) matches no user; not stored",
                stripe_subscription_id,
                data.get("customer"),
            )
            return None
        if data.get("customer"):
            customer_remember(user=user, stripe_customer_id=data["customer"])
        items = (data.get("items") or {}).get("data") or [{}]
        item = items[0]
        price = item.get("price") or {}
        values = {
            "user": user,
            "stripe_customer_id": data.get("customer") or "",
            "status": data["status"],
            "price_id": price.get("id", ""),
            "amount": price.get("unit_amount"),
            "currency": price.get("currency", ""),
            # The current API keeps the billing period on the items, not the subscription.
            "current_period_end": _timestamp(item.get("current_period_end")),
            "cancel_at_period_end": bool(data.get("cancel_at_period_end")),
            "ended_at": _timestamp(data.get("ended_at")),
            "last_synced_at": timezone.now(),
        }
        subscription, _ = Subscription.objects.update_or_create(
            stripe_subscription_id=stripe_subscription_id, defaults=values
        )
        # Forget the cached answer now and again after commit, so no reader keeps (or waits
        # for) access that Stripe's state no longer gives.
        forget_user_id(user.pk)
        return subscription


def checkout_session_sync(*, session_id: str, user: User) -> Subscription | None:
    """The success page's immediate sync: the reader should not wait for the webhook."""
    session = gateway.checkout_session_retrieve(session_id)
    if str(session.get("client_reference_id")) != str(user.pk):
        raise PermissionError("this checkout session belongs to another user")
    return _apply_checkout_session(session)


def _apply_checkout_session(session: dict) -> Subscription | None:
    user = _user_by_id(session.get("client_reference_id")) or _user_by_id(
        (session.get("metadata") or {}).get("user_id")
    )
    if user is None:
        logger.warning("checkout session %s names no known user", session.get("id"))
        return None
    if session.get("customer"):
        customer_remember(user=user, stripe_customer_id=session["customer"])
    if session.get("subscription"):
        subscription_id = session["subscription"]
        if isinstance(subscription_id, dict):
            subscription_id = subscription_id["id"]
        return subscription_sync(stripe_subscription_id=subscription_id, user_hint=user)
    return None


def _subscription_id_of_invoice(invoice: dict) -> str | None:
    # The current API names the subscription under parent.subscription_details.
    details = (invoice.get("parent") or {}).get("subscription_details") or {}
    return details.get("subscription")


def _money(amount: int | None, currency: str) -> str:
    if amount is None:
        return ""
    symbol = "$" if currency.lower() in ("usd", "") else f"{currency.upper()} "
    return f"{symbol}{amount / 100:.2f}"


def _day(value: dt.datetime | None) -> str:
    return date_format(value, "j M Y") if value else ""


def _subscription_emails(subscription: Subscription) -> None:
    """The emails a subscription's state calls for, each at most once per subscription."""
    if subscription.status in ("active", "trialing"):
        email_queue(
            kind=SentEmail.Kind.SUBSCRIPTION_STARTED,
            cause=subscription.stripe_subscription_id,
            user=subscription.user,
            context={
                "amount": _money(subscription.amount, subscription.currency),
                "renews_on": _day(subscription.current_period_end),
                "trialing": subscription.status == "trialing",
            },
        )
    if subscription.cancel_at_period_end or subscription.status == "canceled":
        ends = (
            subscription.current_period_end
            if subscription.status != "canceled"
            else subscription.ended_at or subscription.current_period_end
        )
        email_queue(
            kind=SentEmail.Kind.SUBSCRIPTION_CANCELED,
            cause=subscription.stripe_subscription_id,
            user=subscription.user,
            context={"access_until": _day(ends), "ended": subscription.status == "canceled"},
        )


def _invoice_emails(event_type: str, invoice: dict, subscription: Subscription) -> None:
    amount = _money(invoice.get("amount_due"), invoice.get("currency") or "")
    if event_type == "invoice.payment_failed":
        email_queue(
            kind=SentEmail.Kind.PAYMENT_FAILED,
            cause=invoice["id"],
            user=subscription.user,
            context={"amount": amount, "portal_url": f"{settings.SITE_URL}{site_urls()['portal']}"},
        )
    elif event_type == "invoice.payment_action_required":
        email_queue(
            kind=SentEmail.Kind.PAYMENT_ACTION_REQUIRED,
            cause=invoice["id"],
            user=subscription.user,
            context={"amount": amount, "invoice_url": invoice.get("hosted_invoice_url") or ""},
        )


def _handle(event: StripeEvent) -> None:
    """Sync what the event touches, then queue the emails it calls for. Emails are only ever
    caused here, by Stripe's events, never by a page view."""
    obj = ((event.payload.get("data") or {}).get("object")) or {}
    subscription: Subscription | None = None
    if event.type == "checkout.session.completed":
        subscription = _apply_checkout_session(obj)
    elif event.type in SUBSCRIPTION_EVENTS:
        subscription = subscription_sync(stripe_subscription_id=obj["id"])
    elif event.type in INVOICE_EVENTS:
        subscription_id = _subscription_id_of_invoice(obj)
        if subscription_id:
            subscription = subscription_sync(stripe_subscription_id=subscription_id)
            if subscription is not None and obj.get("id"):
                _invoice_emails(event.type, obj, subscription)
        else:
            logger.info("invoice %s has no subscription; nothing to sync", obj.get("id"))
    if subscription is not None:
        _subscription_emails(subscription)


def event_reprocess(*, event_id: str) -> StripeEvent | None:
    """Process a failed or pending event again, afresh (an operator's retry): a failed one is
    made pending again, its error cleared."""
    StripeEvent.objects.filter(pk=event_id, state=StripeEvent.State.FAILED).update(
        state=StripeEvent.State.PENDING, error=""
    )
    return event_process(event_id=event_id)


def events_claim_lost(*, now: dt.datetime) -> list[tuple[str, dt.datetime]]:
    """Pending events whose next attempt is more than LOST_AFTER overdue, each claimed for one
    new attempt due `now` (returned with it). Claiming moves the due time, so an attempt of the
    old chain that was only late finds itself superseded and stops: never two chains."""
    with transaction.atomic():
        lost = list(
            StripeEvent.objects.select_for_update(skip_locked=True)
            .filter(state=StripeEvent.State.PENDING, next_attempt_at__lte=now - LOST_AFTER)
            .order_by("next_attempt_at")
            .values_list("pk", flat=True)[:SWEEP_BATCH]
        )
        StripeEvent.objects.filter(pk__in=lost).update(next_attempt_at=now)
    return [(event_id, now) for event_id in lost]


def event_process(*, event_id: str, due: dt.datetime | None = None) -> StripeEvent | None:
    """Process one stored event, once: the row is locked, and a done event is skipped.
    `due` names the queued attempt this is: if the event's next attempt is no longer that one
    (the sweep or a later attempt took over), nothing happens; None runs at once (an operator).
    A transient failure is recorded with the time of the next attempt and raised as
    EventDeferred; any other failure is recorded on the row and the event marked failed."""
    deferred: EventDeferred | None = None
    transient: Exception | None = None
    with transaction.atomic():
        event = StripeEvent.objects.select_for_update().filter(pk=event_id).first()
        if event is None:
            logger.warning("stripe event %s is not stored", event_id)
            return None
        if event.state in (StripeEvent.State.PROCESSED, StripeEvent.State.IGNORED):
            return event
        if due is not None and event.next_attempt_at != due:
            return event
        event.attempts += 1
        if event.type not in HANDLED_EVENTS:
            event.state = StripeEvent.State.IGNORED
            event.processed_at = timezone.now()
            event.save(update_fields=["state", "processed_at", "attempts"])
            return event
        try:
            with transaction.atomic():
                _handle(event)
        except TRANSIENT_ERRORS as exc:
            transient = exc
            event.error = f"will retry: {exc.__class__.__name__}: {exc}"
            event.next_attempt_at = timezone.now() + retry_delay(event.attempts)
            deferred = EventDeferred(event.error, due=event.next_attempt_at)
        except Exception as exc:  # noqa: BLE001 - recorded on the row for an operator
            logger.exception("stripe event %s failed", event_id)
            event.state = StripeEvent.State.FAILED
            event.error = f"{exc.__class__.__name__}: {exc}"
        else:
            event.state = StripeEvent.State.PROCESSED
            event.processed_at = timezone.now()
            event.error = ""
        event.save(update_fields=["state", "processed_at", "attempts", "error", "next_attempt_at"])
    if deferred is not None:
        raise deferred from transient
    return event
