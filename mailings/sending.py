"""Members' email, the sending: a batch of a campaign's rows is claimed, rendered and sent over
one SMTP connection, each row marked sent the moment the mail server accepts it.

Exactly once, but for a crash: a row is marked sent in its own transaction right after the
server accepts it, so a sender killed mid-batch can have at most the one message in flight sent
again; the rows it had claimed but not reached are sent by the next sender once their claim
lapses, and every send of a row carries the same Message-ID. A permanent refusal (5xx) marks the
address undeliverable; a temporary one (4xx, a dropped connection) is retried with backoff."""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
import time
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.core.mail import mailers
from django.db import transaction
from django.db.models import Count, F, Max, Min, Q
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from alphacode.context_processors import site_context
from alphacode.mail import render_parts, stable_message_id
from articles.markdown import inline_to_text
from articles.rendering import intro_html

from . import mime
from .digest import digest_for
from .mime import ListEmail, Rendered, Template, fit_lines, list_email
from .models import PREFERENCE, Campaign, EmailPreferences, Recipient
from .services import unsubscribe_url

logger = logging.getLogger(__name__)

# Temporary failures wait this long before the next try (then give up).
BACKOFF = (dt.timedelta(minutes=1), dt.timedelta(minutes=5), dt.timedelta(minutes=30))


def _batch_size() -> int:
    return settings.MAILINGS_BATCH


def _claim_seconds() -> int:
    return settings.MAILINGS_CLAIM_SECONDS


def _rate_per_minute() -> int:
    return settings.MAILINGS_RATE_PER_MINUTE


def message_id(row: Recipient) -> str:
    """The same for every send of one row: a retry after a crash is the same message."""
    key = f"{row.campaign_id}:{row.user_id}"
    return stable_message_id("alphacode.mailings.message-id", key, "campaign")


def _render(
    campaign: Campaign, context: dict[str, Any], html_context: dict[str, Any] | None = None
) -> Rendered:
    """The campaign's email for one context; `html_context` adds to it for the HTML part."""
    prefix = f"emails/members/{campaign.kind}"
    context = {
        **site_context(),
        "preferences_url": f"{settings.SITE_URL}/account/#email-preferences",
        **context,
    }
    guide = campaign.guide
    if guide is not None:
        paragraphs = [p for p in guide.intro.split("\n\n") if p.strip()]
        context |= {
            "guide": guide,
            "guide_url": f"{settings.SITE_URL}{guide.get_absolute_url()}",
            # The intro is what every visitor sees on the page: nothing past the cut.
            "intro_html": intro_html(guide.intro),
            "intro_text": [inline_to_text(p) for p in paragraphs],
        }
    subject, text, html = render_parts(prefix, context, html_context)
    return Rendered(subject=subject, text=fit_lines(text), html=fit_lines(html))


@lru_cache(maxsize=8)
def _announcement(campaign_id: int, guide_version: int) -> Template:
    """An announcement rendered and built once per campaign (and guide version), with tokens
    where its readers differ (see mailings.mime)."""
    campaign = Campaign.objects.select_related("guide__track").get(pk=campaign_id)
    rendered = _render(
        campaign,
        {"email": mime.TEXT_EMAIL, "unsubscribe_url": mime.TEXT_UNSUBSCRIBE},
        {"email": mime.HTML_EMAIL, "unsubscribe_url": mime.HTML_UNSUBSCRIBE},
    )
    return Template.build(rendered)


def render_message(row: Recipient, campaign: Campaign) -> ListEmail | None:
    """The row's email: plain text and HTML (its CSS inlined by css-inline), with the headers
    for one-click unsubscribe (RFC 8058) from this kind of email; None for a digest with
    nothing in it for this reader."""
    unsubscribe = unsubscribe_url(row.user, PREFERENCE[campaign.kind])
    if campaign.kind == Campaign.Kind.DIGEST:
        digest = digest_for(row.user)
        if digest.empty:
            return None
        rendered = _render(
            campaign, {"email": row.email, "unsubscribe_url": unsubscribe, "digest": digest}
        )
        return list_email(
            rendered, to=row.email, message_id=message_id(row), unsubscribe=unsubscribe
        )
    version = campaign.guide.version if campaign.guide else 0
    return _announcement(campaign.pk, version).for_reader(
        address=row.email, unsubscribe=unsubscribe, message_id=message_id(row)
    )


def _claim(campaign_id: int, now: dt.datetime) -> list[Recipient]:
    """Up to a batch of the campaign's due rows, claimed (committed) so no other sender takes
    them; rows another sender holds are skipped, not waited for. In the order of the
    `recipient_due` index, so a claim reads a batch's worth of it, however far the campaign is."""
    with transaction.atomic():
        rows = list(
            Recipient.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("user")
            .filter(
                campaign_id=campaign_id, status=Recipient.Status.QUEUED, next_attempt_at__lte=now
            )
            .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lte=now))
            .order_by("next_attempt_at", "pk")[: _batch_size()]
        )
        Recipient.objects.filter(pk__in=[row.pk for row in rows]).update(
            claimed_until=now + dt.timedelta(seconds=_claim_seconds()), attempts=F("attempts") + 1
        )
    return rows


def _words(words: bytes | str) -> str:
    return words.decode(errors="replace") if isinstance(words, bytes) else str(words)


def _refusal(exc: Exception) -> tuple[int | None, str]:
    """The mail server's answer to a failed send: its code (None when the connection failed)
    and its words."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused) and exc.recipients:
        code, words = next(iter(exc.recipients.values()))
        return code, _words(words)
    if isinstance(exc, smtplib.SMTPResponseException):
        return exc.smtp_code, _words(exc.smtp_error)
    return None, f"{exc.__class__.__name__}: {exc}"


def _sent(row: Recipient) -> None:
    # One statement, committed on its own at once (autocommit): a sender killed after this never
    # sends the row again, and one killed while it runs has had the email accepted anyway.
    Recipient.objects.filter(pk=row.pk).update(
        status=Recipient.Status.SENT, sent_at=timezone.now(), claimed_until=None, error=""
    )


def _refused(row: Recipient, reason: str) -> None:
    """A permanent refusal (a 5xx, or an address that cannot be sent to at all): the row
    failed, and the address gets no more members' email until the reader's address changes."""
    with transaction.atomic():
        Recipient.objects.filter(pk=row.pk).update(
            status=Recipient.Status.FAILED, claimed_until=None, error=reason[:300]
        )
        EmailPreferences.objects.update_or_create(
            user_id=row.user_id,
            defaults={"undeliverable": row.email, "undeliverable_reason": reason[:300]},
        )


def _deferred(row: Recipient, reason: str, now: dt.datetime) -> None:
    """A temporary failure: tried again later, or given up after the last backoff."""
    attempts = row.attempts + 1  # counted when claimed
    rows = Recipient.objects.filter(pk=row.pk)
    if attempts > len(BACKOFF):
        rows.update(
            claimed_until=None, status=Recipient.Status.FAILED, error=f"gave up: {reason}"[:300]
        )
    else:
        rows.update(
            claimed_until=None, next_attempt_at=now + BACKOFF[attempts - 1], error=reason[:300]
        )


def campaign_send_batch(campaign_id: int) -> tuple[bool, float]:
    """Send one batch of the campaign over one connection. Returns whether rows are still
    queued, and how many seconds to wait before the next batch (the configured rate, or until
    the first waiting row is due)."""
    started = time.monotonic()
    now = timezone.now()
    rows = _claim(campaign_id, now)
    if rows:
        campaign = Campaign.objects.select_related("guide__track").get(pk=campaign_id)
        with mailers.default as connection:
            for index, row in enumerate(rows):
                message = render_message(row, campaign)
                if message is None:
                    Recipient.objects.filter(pk=row.pk).update(
                        status=Recipient.Status.SKIPPED, claimed_until=None
                    )
                    continue
                try:
                    connection.send_messages([message])
                except ValueError as exc:
                    # Django refuses an address it cannot write (say, a non-ASCII local part).
                    logger.warning("campaign %s: %s not sent: %s", campaign_id, row.email, exc)
                    _refused(row, f"invalid address: {exc}")
                    continue
                except (smtplib.SMTPException, OSError) as exc:
                    code, reason = _refusal(exc)
                    logger.warning(
                        "campaign %s: %s not sent: %s %s", campaign_id, row.email, code, reason
                    )
                    if code is not None and 500 <= code < 600:
                        _refused(row, f"{code} {reason}")
                        continue
                    _deferred(row, f"{code or ''} {reason}".strip(), now)
                    if code is None:
                        # The connection is gone: the rest of the batch waits for the next sender.
                        Recipient.objects.filter(pk__in=[r.pk for r in rows[index + 1 :]]).update(
                            claimed_until=None, attempts=F("attempts") - 1
                        )
                        break
                    continue
                _sent(row)
    # Every sender keeps its share of the rate.
    pace = len(rows) * 60 * settings.MAILINGS_SENDERS / _rate_per_minute()
    pace = max(0.0, pace - (time.monotonic() - started))
    if len(rows) == _batch_size():
        return True, pace  # a full batch: most likely more to come, and the next claim will see
    # The rest of the campaign, in one query: how many rows are queued, and when the first of
    # them is due (its backoff over, and any other sender's claim on it lapsed).
    queued = Recipient.objects.filter(campaign_id=campaign_id, status=Recipient.Status.QUEUED)
    left = queued.aggregate(
        count=Count("pk"),
        due=Min(Greatest("next_attempt_at", Coalesce("claimed_until", "next_attempt_at"))),
    )
    if not left["count"]:
        Campaign.objects.filter(pk=campaign_id, finished_at__isnull=True).update(
            finished_at=timezone.now()
        )
        return False, 0.0
    until_due = (left["due"] - timezone.now()).total_seconds()
    if until_due > 0:
        # Only rows waiting for a backoff or for a dead sender's claim: look again then.
        return True, max(1.0, until_due, pace)
    return True, pace


def campaigns_stalled(quiet: dt.timedelta = dt.timedelta(minutes=2)) -> list[int]:
    """Unfinished campaigns with rows due now and nothing sent or claimed for a while: their chain
    of tasks was lost."""
    now = timezone.now()
    stalled = []
    for campaign in Campaign.objects.filter(finished_at__isnull=True):
        rows = Recipient.objects.filter(campaign=campaign)
        due = rows.filter(status=Recipient.Status.QUEUED, next_attempt_at__lte=now).filter(
            Q(claimed_until__isnull=True) | Q(claimed_until__lte=now)
        )
        last = rows.aggregate(sent=Max("sent_at"))["sent"]
        if due.exists() and (last is None or last < now - quiet):
            stalled.append(campaign.pk)
    return stalled
