"""The site's emails: which ones a cause calls for, recorded once per cause, sent by a task,
rendered from templates/emails/<kind>.{txt,html} and <kind>_subject.txt.

Causes: a confirmed email address (the welcome, `welcome_on_email_confirmed`, connected to
allauth's signal in `BillingConfig.ready`), and Stripe's events (`subscription_emails`,
`invoice_emails`, called by `billing.events`). Never a page view."""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from alphacode.context_processors import site_context, site_urls
from alphacode.mail import render_parts, stable_message_id

from .errors import EmailClaimed, EmailNotSent
from .models import SentEmail, Subscription
from .status import day_in_words
from .tasks import send_email

logger = logging.getLogger(__name__)


# Longer than a send can take (the SMTP timeout is 10 s), shorter than the broker's visibility
# timeout, so a task re-delivered after its worker died finds the claim lapsed.
CLAIM_SECONDS = 5 * 60
# An unsent email nobody has touched for this long has lost its task (see emails_lost).
LOST_AFTER = dt.timedelta(minutes=3)


def email_queue(*, kind: str, cause: str, user: User, context: dict | None = None) -> SentEmail:
    """Record the email for this cause and queue it after commit, unless this cause already
    has one: then nothing new is recorded or queued."""
    email, created = SentEmail.objects.get_or_create(
        kind=kind,
        cause=cause,
        defaults={"user": user, "to": user.email, "context": context or {}},
    )
    if created:
        transaction.on_commit(lambda: send_email.delay(email.pk), robust=True)
    return email


def message_id(email: SentEmail) -> str:
    """The email's Message-ID, made from its cause (kind and cause): every send of one email
    carries the same one (alphacode.mail.stable_message_id)."""
    return stable_message_id(
        "alphacode.email.message-id", f"{email.kind}:{email.cause}", email.kind
    )


def render_email(email: SentEmail) -> EmailMultiAlternatives:
    context = {
        **email.context,
        "email": email.to,
        **site_context(),
    }
    subject, text, html = render_parts(f"emails/{email.kind}", context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[email.to],
        headers={"Message-ID": message_id(email)},
    )
    message.attach_alternative(html, "text/html")
    return message


def email_send(*, email_id: int) -> SentEmail | None:
    """Send a recorded email unless it was sent already. A claim is committed first and the
    mail server is talked to outside any transaction; then the send is recorded. A sender that
    dies between the two leaves its claim to lapse, and the email is sent again with the same
    Message-ID: at least once, and a repeat is the same message (see message_id)."""
    with transaction.atomic():
        email = SentEmail.objects.select_for_update().filter(pk=email_id).first()
        if email is None or email.sent_at is not None:
            return email
        now = timezone.now()
        if email.claimed_until is not None and email.claimed_until > now:
            raise EmailClaimed(email.claimed_until)
        if email.claimed_until is not None:
            logger.warning("email %s: its last sender died mid-send; sending it again", email.pk)
        email.attempts += 1
        email.claimed_until = now + dt.timedelta(seconds=CLAIM_SECONDS)
        email.save(update_fields=["attempts", "claimed_until"])
    try:
        render_email(email).send()
    except (smtplib.SMTPException, OSError) as exc:
        logger.warning("email %s to %s not sent: %s", email.pk, email.to, exc)
        SentEmail.objects.filter(pk=email.pk).update(
            error=f"{exc.__class__.__name__}: {exc}", claimed_until=None
        )
        raise EmailNotSent(str(exc)) from exc
    sent_at = timezone.now()
    # Its own transaction: a sender that dies before this commits leaves the claim to lapse.
    with transaction.atomic():
        SentEmail.objects.filter(pk=email.pk).update(sent_at=sent_at, error="", claimed_until=None)
    email.sent_at, email.error, email.claimed_until = sent_at, "", None
    return email


def emails_lost(*, now: dt.datetime) -> list[int]:
    """Unsent emails that no task will send: recorded more than LOST_AFTER ago and never tried
    (the broker was down when the task was queued after commit, or lost its messages in a
    restart), or whose sender died mid-send and whose claim lapsed that long ago without a
    retry. An email the mail server refused keeps its own chain of retries and is left to it. A
    task queued twice is harmless: the claim lets one sender send."""
    cutoff = now - LOST_AFTER
    return list(
        SentEmail.objects.filter(sent_at__isnull=True, error="")
        .filter(Q(attempts=0, created_at__lte=cutoff) | Q(claimed_until__lte=cutoff))
        .order_by("created_at")
        .values_list("pk", flat=True)
    )


def welcome_on_email_confirmed(email_address: EmailAddress, **kwargs: Any) -> None:
    """allauth's `email_confirmed` receiver: the welcome, once per user (confirming a second
    address later sends nothing new)."""
    email_queue(
        kind=SentEmail.Kind.WELCOME,
        cause=f"user-{email_address.user_id}",
        user=email_address.user,
    )


def _money(amount: int | None, currency: str) -> str:
    if amount is None:
        return ""
    symbol = "$" if currency.lower() in ("usd", "") else f"{currency.upper()} "
    return f"{symbol}{amount / 100:.2f}"


def subscription_emails(subscription: Subscription) -> None:
    """The emails a subscription's state calls for, each at most once per subscription."""
    if subscription.status in ("active", "trialing"):
        email_queue(
            kind=SentEmail.Kind.SUBSCRIPTION_STARTED,
            cause=subscription.stripe_subscription_id,
            user=subscription.user,
            context={
                "amount": _money(subscription.amount, subscription.currency),
                "renews_on": day_in_words(subscription.current_period_end),
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
            context={
                "access_until": day_in_words(ends),
                "ended": subscription.status == "canceled",
            },
        )


def invoice_emails(event_type: str, invoice: dict, subscription: Subscription) -> None:
    """The email an invoice event calls for (a failed payment, one that needs the payer to
    act), at most once per invoice."""
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
