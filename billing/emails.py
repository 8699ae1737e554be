"""The site's emails: recorded once per cause, sent by a task, rendered from
templates/emails/<kind>.{txt,html} and <kind>_subject.txt."""

from __future__ import annotations

import logging
import smtplib

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.models import User
from alphacode.context_processors import site_context

from .models import SentEmail

logger = logging.getLogger(__name__)


class EmailNotSent(Exception):
    """The mail server could not take the message now: worth retrying."""


def email_queue(*, kind: str, cause: str, user: User, context: dict | None = None) -> SentEmail:
    """Record the email for this cause and queue it after commit, unless this cause already
    has one: then nothing new is recorded or queued."""
    from .tasks import send_email

    email, created = SentEmail.objects.get_or_create(
        kind=kind,
        cause=cause,
        defaults={"user": user, "to": user.email, "context": context or {}},
    )
    if created:
        transaction.on_commit(lambda: send_email.delay(email.pk), robust=True)
    return email


def render_email(email: SentEmail) -> EmailMultiAlternatives:
    context = {
        **email.context,
        "email": email.to,
        **site_context(),
    }
    prefix = f"emails/{email.kind}"
    subject = " ".join(render_to_string(f"{prefix}_subject.txt", context).split())
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"{prefix}.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[email.to],
    )
    message.attach_alternative(render_to_string(f"{prefix}.html", context), "text/html")
    return message


def email_send(*, email_id: int) -> SentEmail | None:
    """Send a recorded email unless it was sent already. The row is locked while sending, so a
    duplicate task waits and then finds it sent."""
    failure: Exception | None = None
    with transaction.atomic():
        email = SentEmail.objects.select_for_update().filter(pk=email_id).first()
        if email is None or email.sent_at is not None:
            return email
        email.attempts += 1
        try:
            render_email(email).send()
        except (smtplib.SMTPException, OSError) as exc:
            failure = exc
            email.error = f"{exc.__class__.__name__}: {exc}"
            logger.warning("email %s to %s not sent: %s", email.pk, email.to, exc)
        else:
            email.sent_at = timezone.now()
            email.error = ""
        email.save(update_fields=["attempts", "sent_at", "error"])
    if failure is not None:
        raise EmailNotSent(str(failure)) from failure
    return email
