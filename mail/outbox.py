"""The site's emails, recorded and sent: each one is an Email row written before it is sent
and marked with how the send ended, and sent by mail.transport.

Two ways in. `email_queue` records an email for its cause (once per cause) and a task sends it
after commit, from templates/emails/<kind>.{txt,html} and <kind>_subject.txt, with any text
attachments stored in its context (billing's emails; mocks', with their calendar invitations);
`email_send_now` records and sends an email already rendered, at once, and keeps nothing of
what it said (allauth's codes and links, through accounts.adapter). A campaign's
email is recorded by its Recipient row instead (mailings.sending), and sent by the same
transport."""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
import uuid
from collections.abc import Sequence
from email.message import MIMEPart
from typing import TypedDict

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.db import transaction
from django.db.models import Q
from django.template import TemplateDoesNotExist, TemplateSyntaxError
from django.utils import timezone

from accounts.models import User
from alphacode.context_processors import site_context

from .errors import EmailClaimed, EmailNotSent
from .models import Email
from .rendering import render_parts, stable_message_id
from .tasks import send_email
from .transport import deliver, mailer

logger = logging.getLogger(__name__)


# Longer than a send can take (the SMTP timeout is 10 s), shorter than the broker's visibility
# timeout, so a task re-delivered after its worker died finds the claim lapsed.
CLAIM_SECONDS = 5 * 60
# An unsent email nobody has touched for this long has lost its task (see emails_lost).
LOST_AFTER = dt.timedelta(minutes=3)


def message_id(kind: str, cause: str) -> str:
    """The email's Message-ID, made from its cause (kind and cause): every send of one email
    carries the same one (mail.rendering.stable_message_id)."""
    return stable_message_id("alphacode.email.message-id", f"{kind}:{cause}", kind)


class Attachment(TypedDict):
    """A text file sent with a queued email (a calendar invitation): kept in the email's
    context, so every send of the email carries the same file."""

    filename: str
    content: str
    content_type: str  # text/..., e.g. "text/calendar"
    params: dict[str, str]  # more Content-Type parameters, e.g. {"method": "REQUEST"}


# The key of an email's context that holds its attachments (not passed to the templates).
ATTACHMENTS = "attachments"


def email_queue(
    *,
    kind: str,
    cause: str,
    user: User | None,
    context: dict | None = None,
    attachments: Sequence[Attachment] = (),
    to: str = "",
) -> Email:
    """Record the email for this cause and queue it after commit, unless this cause already
    has one: then nothing new is recorded or queued. It goes to `to` when given (an address
    that may belong to no member yet: a gift's recipient), else to the user's address.
    Attachments are text (stored in the row's JSON context, as they will be sent)."""
    kind = str(kind)
    if not to and user is None:
        raise ValueError("an email needs a user or an address to go to")
    context = dict(context or {})
    for attachment in attachments:
        if not attachment["content_type"].startswith("text/"):
            raise ValueError(f"{attachment['filename']}: only text attachments are stored")
    if attachments:
        context[ATTACHMENTS] = list(attachments)
    email, created = Email.objects.get_or_create(
        kind=kind,
        cause=cause,
        defaults={
            "user": user,
            "to": to or (user.email if user else ""),
            "context": context,
            "message_id": message_id(kind, cause),
        },
    )
    if created:
        transaction.on_commit(lambda: send_email.delay(email.pk), robust=True)
    return email


def attachment_part(attachment: Attachment) -> MIMEPart:
    """One stored attachment as a MIME part: its type with its parameters (`text/calendar;
    method=REQUEST`, which calendar clients read), UTF-8, named."""
    subtype = attachment["content_type"].split("/", 1)[1]
    part = MIMEPart()
    part.set_content(
        attachment["content"],
        subtype=subtype,
        charset="utf-8",
        disposition="attachment",
        filename=attachment["filename"],
        params=attachment.get("params") or {},
    )
    return part


def render_email(email: Email) -> EmailMultiAlternatives:
    stored = dict(email.context)
    attachments: list[Attachment] = stored.pop(ATTACHMENTS, [])
    context = {
        **stored,
        "email": email.to,
        **site_context(),
    }
    subject, text, html = render_parts(f"emails/{email.kind}", context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[email.to],
        headers={"Message-ID": email.message_id or message_id(email.kind, email.cause)},
    )
    message.attach_alternative(html, "text/html")
    for attachment in attachments:
        message.attach(attachment_part(attachment))
    return message


# An address no mail server can take (Django refuses it before sending) or a template missing
# from a deploy: failures that no retry mends.
NEVER_SENDS = (ValueError, TemplateDoesNotExist, TemplateSyntaxError)


def email_send(*, email_id: int) -> Email | None:
    """Send a recorded email unless it was sent already. A claim is committed first and the
    mail server is talked to outside any transaction; then the send is recorded. A sender that
    dies between the two leaves its claim to lapse, and the email is sent again with the same
    Message-ID: at least once, and a repeat is the same message (see message_id)."""
    with transaction.atomic():
        email = Email.objects.select_for_update().filter(pk=email_id, by_task=True).first()
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
        message = render_email(email)
        subject = str(message.subject)[:300]
        with mailer() as connection:
            deliver(connection, message)
    except NEVER_SENDS as exc:
        # Another try would fail the same way: recorded as failed, and not tried again.
        logger.error("email %s to %s cannot be sent: %s", email.pk, email.to, exc)
        Email.objects.filter(pk=email.pk).update(
            error=f"not retried: {exc.__class__.__name__}: {exc}", claimed_until=None
        )
        return email
    except (smtplib.SMTPException, OSError) as exc:
        logger.warning("email %s to %s not sent: %s", email.pk, email.to, exc)
        Email.objects.filter(pk=email.pk).update(
            subject=subject, error=f"{exc.__class__.__name__}: {exc}", claimed_until=None
        )
        raise EmailNotSent(str(exc)) from exc
    sent_at = timezone.now()
    # Its own transaction: a sender that dies before this commits leaves the claim to lapse.
    with transaction.atomic():
        Email.objects.filter(pk=email.pk).update(
            subject=subject, sent_at=sent_at, error="", claimed_until=None
        )
    email.subject, email.sent_at, email.error, email.claimed_until = subject, sent_at, "", None
    return email


def email_send_now(*, kind: str, message: EmailMessage, user: User | None = None) -> Email:
    """Record an email rendered already and send it now, marking how the send ended: an email
    a reader waits for (a sign-in code, a reset link). What it says is not kept, so a failed
    one is not sent again: the failure is recorded and raised, for the reader to ask again.

    The record is written before the send and its outcome after; outside a transaction (how
    allauth calls it) each is committed at once. Called inside one (atomic), they are that
    transaction's, and a rollback removes them."""
    if not message.extra_headers.get("Message-ID"):
        message.extra_headers["Message-ID"] = message_id(kind, uuid.uuid4().hex)
    email = Email.objects.create(
        kind=kind,
        cause=uuid.uuid4().hex,
        user=user,
        to=", ".join(message.recipients()),
        subject=str(message.subject)[:300],
        message_id=message.extra_headers["Message-ID"],
        by_task=False,
        attempts=1,
        claimed_until=timezone.now() + dt.timedelta(seconds=CLAIM_SECONDS),
    )
    try:
        with mailer() as connection:
            deliver(connection, message)
    except (smtplib.SMTPException, OSError, ValueError) as exc:
        logger.warning("email %s (%s) to %s not sent: %s", email.pk, kind, email.to, exc)
        email.error = f"{exc.__class__.__name__}: {exc}"
        email.claimed_until = None
        email.save(update_fields=["error", "claimed_until"])
        raise
    email.sent_at, email.claimed_until = timezone.now(), None
    email.save(update_fields=["sent_at", "claimed_until"])
    return email


def emails_lost(*, now: dt.datetime) -> list[int]:
    """Unsent emails that no task will send: recorded more than LOST_AFTER ago and never tried
    (the broker was down when the task was queued after commit, or lost its messages in a
    restart), or whose sender died mid-send and whose claim lapsed that long ago without a
    retry. An email the mail server refused keeps its own chain of retries and is left to it,
    and one sent at once (by_task false) is never sent again. A task queued twice is harmless:
    the claim lets one sender send."""
    cutoff = now - LOST_AFTER
    return list(
        Email.objects.filter(sent_at__isnull=True, error="", by_task=True)
        .filter(Q(attempts=0, created_at__lte=cutoff) | Q(claimed_until__lte=cutoff))
        .order_by("created_at")
        .values_list("pk", flat=True)
    )
