"""A user's plan and billing status in words, for the account page and pricing."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone
from django.utils.dateformat import format as date_format

from accounts.models import User

from .entitlements import (
    ACCESS_STATUSES,
    PaymentFailure,
    grace_ends,
    in_grace,
    subscription_gives_access,
)
from .models import ComplimentaryAccess, Customer, Subscription
from .plans import MONTHLY, Plan, plan_for_interval

DATE = "j M Y"
UNKNOWN_DAY = "an unknown date"


def day_in_words(value: dt.date | dt.datetime | None, *, unknown: str = "") -> str:
    """A day as the site writes it everywhere (pages and emails): "5 Mar 2026"."""
    return date_format(value, DATE) if value else unknown


@dataclass
class BillingSummary:
    plan: str
    status: str
    has_customer: bool
    subscription: Subscription | None
    complimentary: ComplimentaryAccess | None
    can_subscribe: bool
    needs_attention: bool = False


PAUSED = "Your access is paused: your payment failed; update your card"


def payment_failure_text(failure: PaymentFailure) -> str:
    """What happened, for the header and the account page."""
    if failure.access_until is None:
        return PAUSED
    return (
        f"Your payment failed on {day_in_words(failure.failed_at)}; access continues until "
        f"{day_in_words(failure.access_until)} while your card is retried"
    )


def plan_of(subscription: Subscription) -> Plan:
    """The plan a subscription is on; monthly for one synced before its interval was kept."""
    return plan_for_interval(subscription.interval) or MONTHLY


def plan_text(subscription: Subscription) -> str:
    """ "Alpha Code annual ($190/year)"."""
    plan = plan_of(subscription)
    price = plan.price.replace(" a ", "/")
    return f"{plan.name} ({price})"


def subscription_status_text(subscription: Subscription) -> tuple[str, bool]:
    """(status in words, whether the subscriber needs to act)."""
    status = subscription.status
    end = subscription.current_period_end
    end_day = day_in_words(end, unknown=UNKNOWN_DAY)
    if status == "active" and subscription.cancel_at_period_end:
        if end and end <= timezone.now():
            return f"Ended on {end_day}", False
        return f"Ends on {end_day}", False
    if status == "active":
        return f"Active, renews {end_day}", False
    if status == "trialing":
        # The first period is the trial: it ends when the first payment is due.
        trial_day = day_in_words(subscription.trial_end or end, unknown=UNKNOWN_DAY)
        if subscription.cancel_at_period_end:
            return f"Free trial until {trial_day}, then it ends: you will not be charged", False
        return f"Free trial until {trial_day}, first payment then", False
    failed_at = subscription.payment_failed_at
    if failed_at is not None and in_grace(subscription):
        return payment_failure_text(PaymentFailure(failed_at, grace_ends(failed_at))), True
    if status in ("past_due", "unpaid"):
        return PAUSED, True
    if status in ("incomplete", "incomplete_expired"):
        return "Payment not completed", status == "incomplete"
    if status == "paused":
        return "Paused", False
    return (
        f"Canceled on {day_in_words(subscription.ended_at)}"
        if subscription.ended_at
        else "Canceled"
    ), False


def billing_summary(user: User) -> BillingSummary:
    # The member's own plan: a team's seats they pay for are the teams app's to show.
    subscriptions = list(
        Subscription.objects.filter(user=user, purpose=Subscription.Purpose.PERSONAL).order_by(
            "-created_at"
        )
    )
    # The subscription that matters: one that gives access if any, else the newest.
    current = next((s for s in subscriptions if s.status in ACCESS_STATUSES), None) or (
        subscriptions[0] if subscriptions else None
    )
    complimentary = ComplimentaryAccess.objects.filter(user=user).first()
    has_customer = Customer.objects.filter(user=user).exists()

    def of_the_subscription(current: Subscription) -> BillingSummary:
        status, attention = subscription_status_text(current)
        return BillingSummary(
            plan_text(current),
            status,
            has_customer,
            current,
            complimentary,
            can_subscribe=False,
            needs_attention=attention,
        )

    if current is not None and subscription_gives_access(current):
        return of_the_subscription(current)
    if complimentary and complimentary.is_current:
        return BillingSummary(
            "Complimentary access",
            "Complimentary access until "
            + day_in_words(complimentary.expires_at, unknown=UNKNOWN_DAY),
            has_customer,
            current,
            complimentary,
            can_subscribe=True,
        )
    if current is not None and current.status == "past_due":
        # Past its grace period: paused until an invoice is paid (in the Portal), not ended.
        return of_the_subscription(current)
    if current is not None:
        status, attention = subscription_status_text(current)
        return BillingSummary(
            "Free (no active subscription)",
            status,
            has_customer,
            current,
            complimentary,
            can_subscribe=True,
            needs_attention=attention,
        )
    return BillingSummary(
        "Free", "No subscription", has_customer, None, complimentary, can_subscribe=True
    )
