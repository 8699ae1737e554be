"""Billing's emails: which ones a cause calls for. Each is recorded once per cause and sent by a
task through the site's one path for email (mail.outbox), rendered from
templates/emails/<kind>.{txt,html} and <kind>_subject.txt.

Causes: a confirmed email address (the welcome, `welcome_on_email_confirmed`, connected to
allauth's signal in `BillingConfig.ready`), and Stripe's events (`subscription_emails`,
`invoice_emails`, `trial_ending_email`, called by `billing.events`). Never a page view."""

from __future__ import annotations

from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import models

from alphacode.context_processors import site_urls
from mail.outbox import email_queue

from .entitlements import grace_ends
from .models import Subscription
from .status import day_in_words, plan_of


class Kind(models.TextChoices):
    """Billing's emails, each rendered from templates/emails/<kind>.*."""

    WELCOME = "welcome", "Welcome"
    SUBSCRIPTION_STARTED = "subscription_started", "Subscription started"
    PAYMENT_FAILED = "payment_failed", "Payment failed"
    PAYMENT_ACTION_REQUIRED = "payment_action_required", "Payment needs action"
    SUBSCRIPTION_CANCELED = "subscription_canceled", "Subscription canceled"
    TRIAL_ENDING = "trial_ending", "Trial ending"
    # A team's seats (the teams app): told to the manager, who gets no access from them.
    TEAM_STARTED = "team_started", "Team seats started"
    TEAM_CANCELED = "team_canceled", "Team seats canceled"


def welcome_on_email_confirmed(email_address: EmailAddress, **kwargs: Any) -> None:
    """allauth's `email_confirmed` receiver: the welcome, once per user (confirming a second
    address later sends nothing new). Staff (the owner made by `createsuperuser`, editors) are
    not readers: their first confirmed address welcomes no one."""
    if email_address.user.is_staff:
        return
    email_queue(
        kind=Kind.WELCOME,
        cause=f"user-{email_address.user_id}",
        user=email_address.user,
    )


def _money(amount: int | None, currency: str) -> str:
    if amount is None:
        return ""
    symbol = "$" if currency.lower() in ("usd", "") else f"{currency.upper()} "
    return f"{symbol}{amount / 100:.2f}"


def subscription_emails(subscription: Subscription) -> None:
    """The emails a subscription's state calls for, each at most once per subscription. A
    team's seats have their own: its manager reads nothing from them."""
    team = subscription.purpose == Subscription.Purpose.TEAM
    if subscription.status in ("active", "trialing"):
        email_queue(
            kind=Kind.TEAM_STARTED if team else Kind.SUBSCRIPTION_STARTED,
            cause=subscription.stripe_subscription_id,
            user=subscription.user,
            context={
                "plan": plan_of(subscription).name,
                "amount": _money(subscription.amount, subscription.currency),
                "per": plan_of(subscription).interval,
                "renews_on": day_in_words(subscription.current_period_end),
                "trialing": subscription.status == "trialing",
                "seats": subscription.quantity,
            },
        )
    if subscription.cancel_at_period_end or subscription.status == "canceled":
        ends = (
            subscription.current_period_end
            if subscription.status != "canceled"
            else subscription.ended_at or subscription.current_period_end
        )
        email_queue(
            kind=Kind.TEAM_CANCELED if team else Kind.SUBSCRIPTION_CANCELED,
            cause=subscription.stripe_subscription_id,
            user=subscription.user,
            context={
                "access_until": day_in_words(ends),
                "ended": subscription.status == "canceled",
                "seats": subscription.quantity,
            },
        )


def invoice_emails(event_type: str, invoice: dict, subscription: Subscription) -> None:
    """The email an invoice event calls for (a failed payment, one that needs the payer to
    act), at most once per invoice."""
    amount = _money(invoice.get("amount_due"), invoice.get("currency") or "")
    if event_type == "invoice.payment_failed":
        # The sync before this set when the failing began: access lasts the grace period from it.
        failed_at = subscription.payment_failed_at
        team = subscription.purpose == Subscription.Purpose.TEAM
        # A team's card is its own customer's: the team's Portal, not the manager's own.
        portal = site_urls()["team_portal" if team else "portal"]
        email_queue(
            kind=Kind.PAYMENT_FAILED,
            cause=invoice["id"],
            user=subscription.user,
            context={
                "amount": amount,
                "portal_url": f"{settings.SITE_URL}{portal}",
                "access_until": day_in_words(grace_ends(failed_at)) if failed_at else "",
                # A team's seats: the manager who pays is told their members' access lasts.
                "team": team,
            },
        )
    elif event_type == "invoice.payment_action_required":
        email_queue(
            kind=Kind.PAYMENT_ACTION_REQUIRED,
            cause=invoice["id"],
            user=subscription.user,
            context={"amount": amount, "invoice_url": invoice.get("hosted_invoice_url") or ""},
        )


def trial_ending_email(subscription: Subscription) -> None:
    """The reminder Stripe's `customer.subscription.trial_will_end` calls for (three days before
    the trial ends), once per subscription: what will be charged, when, and how to cancel. A
    trial already set to cancel, or over, needs none: nothing will be charged."""
    if subscription.status != "trialing" or subscription.cancel_at_period_end:
        return
    plan = plan_of(subscription)
    email_queue(
        kind=Kind.TRIAL_ENDING,
        cause=subscription.stripe_subscription_id,
        user=subscription.user,
        context={
            "plan": plan.name,
            "amount": _money(subscription.amount, subscription.currency),
            "per": plan.interval,
            "trial_ends_on": day_in_words(
                subscription.trial_end or subscription.current_period_end
            ),
            "portal_url": f"{settings.SITE_URL}{site_urls()['portal']}",
        },
    )
