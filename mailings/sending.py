"""Members' email, the sending: a batch of a campaign's rows is claimed, rendered and sent over
one SMTP connection, each row marked sent the moment the mail server accepts it. The site's one
path for email: sent by mail.transport (an announcement as bytes built once per campaign), and
recorded by its Recipient row, which is the email's record (no mail.Email row: see
docs/developers/email.md).

Exactly once, but for a crash: a row is marked sent (committed) right after the server accepts
it. So a sender killed mid-batch can have at most the one message in flight sent again; the rows
it had claimed but not reached are sent by the next sender once their claim lapses; and every
send of a row carries the same Message-ID. A batch slower than its claim never sends a row twice:
once the claim no longer outlasts a send by far, each row is sent inside a transaction that holds
its lock from the check that this sender's claim is still on it until it is marked.

Each row is checked again when it is sent (the reader may have unsubscribed, been deactivated or
changed address since the campaign was filled), and an announcement whose guide is gone or no
longer public is canceled. What each refusal of the mail server does is `answer_for`'s: only a
refusal of the recipient's address (RCPT, 5.1.x) marks it undeliverable; a refusal of the sender
or the message pauses the campaign; a temporary one is retried with backoff."""

from __future__ import annotations

import datetime as dt
import enum
import logging
import re
import smtplib
import time
import uuid
from functools import lru_cache
from typing import Any, NamedTuple

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Max, Min, Q
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from alphacode.context_processors import site_context
from articles.markdown import inline_to_text
from articles.rendering import intro_html
from mail.rendering import render_parts, stable_message_id
from mail.transport import Prebuilt, deliver, mailer

from . import mime
from .digest import digest_for
from .mime import ListEmail, Rendered, Template, fit_lines, list_email
from .models import PREFERENCE, Campaign, EmailPreferences, Recipient
from .services import (
    audience,
    campaign_cancel,
    campaign_hold,
    campaign_pause,
    unsubscribe_url,
)

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


def render_message(row: Recipient, campaign: Campaign) -> Prebuilt | ListEmail | None:
    """The row's email: plain text and HTML (its CSS inlined by css-inline), with the headers
    for one-click unsubscribe (RFC 8058) from this kind of email; None for a digest with
    nothing in it for this reader."""
    unsubscribe = unsubscribe_url(row.user, PREFERENCE[campaign.kind], row.email)
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


def _claim(campaign_id: int, now: dt.datetime, claim: uuid.UUID) -> list[Recipient]:
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
            claimed_until=now + dt.timedelta(seconds=_claim_seconds()),
            claim=claim,
            attempts=F("attempts") + 1,
        )
    return rows


def _release(rows: list[Recipient], claim: uuid.UUID) -> None:
    """Give back the rows of a batch this sender still holds and did not try (the connection
    gone, the campaign paused): due at once for the next sender, the attempt not counted."""
    Recipient.objects.filter(
        pk__in=[row.pk for row in rows], claim=claim, status=Recipient.Status.QUEUED
    ).update(claimed_until=None, claim=None, attempts=F("attempts") - 1)


def _still_wanted(campaign: Campaign, rows: list[Recipient]) -> dict[int, str]:
    """The rows of a batch that are no longer to be sent, with why: checked when they are sent,
    not only when the campaign was filled (one query for the batch)."""
    wanted = set(
        audience(campaign.kind, campaign.audience)
        .filter(pk__in=[row.user_id for row in rows])
        .values_list("pk", flat=True)
    )
    skipped = {}
    for row in rows:
        if not row.user.is_active:
            skipped[row.pk] = "deactivated since"
        elif row.user.email.lower() != row.email.lower():
            skipped[row.pk] = "address changed since"
        elif row.user_id not in wanted:
            skipped[row.pk] = "unsubscribed or left the audience since"
    return skipped


def _skip(row: Recipient, claim: uuid.UUID, reason: str) -> None:
    Recipient.objects.filter(pk=row.pk, claim=claim, status=Recipient.Status.QUEUED).update(
        status=Recipient.Status.SKIPPED, claimed_until=None, claim=None, error=reason
    )


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


# RFC 3463's enhanced status code at the start of a reply's text: class.subject.detail.
_ENHANCED = re.compile(r"\s*([245])\.(\d{1,3})\.(\d{1,3})\b")
# RCPT refusals that say the recipient's address itself is bad (RFC 3463 and RFC 7505): no such
# mailbox, no such system, a malformed address, a mailbox that moved, a domain taking no mail.
BAD_ADDRESS_CODES = {"1.1", "1.2", "1.3", "1.6", "1.10"}
# The sender's address refused (RFC 3463's 5.1.7 and 5.1.8), which relays often say at RCPT.
SENDER_CODES = {"1.7", "1.8"}


class Answer(enum.Enum):
    """What a mail server's refusal means for the campaign (docs/operators/email.md's table)."""

    # RCPT refused for the address itself: the row fails and the address is marked undeliverable.
    BAD_ADDRESS = "bad address"
    # RCPT refused with 5.2.x, this mailbox (full, disabled): the row fails, nobody is marked.
    MAILBOX = "mailbox"
    # Any other 5xx to RCPT: this email is tried again later, nobody is marked; three readers
    # refused in a row pause the campaign (it was the sender, not them).
    RECIPIENT = "recipient"
    # A 5xx to MAIL FROM, to the message or to our sign-in, or the sender's address refused:
    # the campaign pauses, nobody is marked.
    PAUSE = "pause"
    # A 4xx to MAIL FROM or to the message, or 421 (the provider throttling us): the batch goes
    # back and the campaign waits (1, 5, 30 minutes); a fourth wait in a row pauses it.
    HOLD = "hold"
    # A 4xx to RCPT (greylisting, a full mailbox for now): this email is tried again later.
    LATER = "later"
    # No answer (the connection dropped): this email is tried again later, the batch ends.
    GONE = "gone"


def answer_for(exc: Exception) -> tuple[Answer, str]:
    """How to take a failed send, and the server's words (with its code)."""
    code, words = _refusal(exc)
    reason = f"{code or ''} {words}".strip()
    if code is None:
        return Answer.GONE, reason
    at_rcpt = isinstance(exc, smtplib.SMTPRecipientsRefused)
    if code == 421 or (400 <= code < 500 and not at_rcpt):
        return Answer.HOLD, reason
    if code < 500:
        return Answer.LATER, reason
    if not at_rcpt:
        return Answer.PAUSE, reason
    enhanced = _ENHANCED.match(words)
    detail = f"{enhanced.group(2)}.{enhanced.group(3)}" if enhanced else ""
    if detail in BAD_ADDRESS_CODES:
        return Answer.BAD_ADDRESS, reason
    if detail in SENDER_CODES:
        return Answer.PAUSE, reason
    if enhanced and enhanced.group(2) == "2":
        return Answer.MAILBOX, reason
    return Answer.RECIPIENT, reason


def _sent(row: Recipient) -> None:
    Recipient.objects.filter(pk=row.pk).update(
        status=Recipient.Status.SENT,
        sent_at=timezone.now(),
        claimed_until=None,
        claim=None,
        error="",
    )


def _refused(row: Recipient, reason: str, *, undeliverable: bool) -> None:
    """A permanent refusal of this row: it failed, and when the address itself was refused (or
    cannot be sent to at all) it gets no more members' email until the reader's address
    changes."""
    with transaction.atomic():
        Recipient.objects.filter(pk=row.pk).update(
            status=Recipient.Status.FAILED, claimed_until=None, claim=None, error=reason[:300]
        )
        if undeliverable:
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
            claimed_until=None,
            claim=None,
            status=Recipient.Status.FAILED,
            error=f"gave up: {reason}"[:300],
        )
    else:
        rows.update(
            claimed_until=None,
            claim=None,
            next_attempt_at=now + BACKOFF[attempts - 1],
            error=reason[:300],
        )


def _hold(row: Recipient, claim: uuid.UUID) -> bool:
    """Lock the row for its send, if this sender's claim is still on it (inside the caller's
    transaction). The lock is held until the row is marked, so a sender whose claim lapsed
    during a slow batch, and another that took the row over, never both send it: the other
    sender's claim skips locked rows, and a row it took over carries its claim, not ours. (Its
    campaign's state is looked at once a second by the batch, on either path.)"""
    # The row's own conditions in the statement's WHERE: Postgres checks them again on the row
    # as it is once another sender's lock on it is released.
    return bool(
        Recipient.objects.filter(pk=row.pk, claim=claim, status=Recipient.Status.QUEUED).update(
            claimed_until=timezone.now() + dt.timedelta(seconds=_claim_seconds())
        )
    )


def _stopped(campaign: Campaign) -> bool:
    """Cancel an announcement whose guide is gone or no longer public (never an empty email, never
    a guide readers cannot open); whether the campaign sends nothing now."""
    if campaign.kind == Campaign.Kind.ANNOUNCEMENT and campaign.canceled_at is None:
        if campaign.guide is None:
            campaign_cancel(campaign_id=campaign.pk, reason="its guide was deleted")
            return True
        if not campaign.guide.is_public:
            campaign_cancel(campaign_id=campaign.pk, reason="its guide is no longer published")
            return True
    return campaign.paused_at is not None or campaign.canceled_at is not None


# The longest one message can take: each of the SMTP exchanges of a send (MAIL, RCPT, DATA, the
# message, and a reset after a refusal) waits at most the mailer's timeout.
SMTP_EXCHANGES = 5
# How often a sender looks whether its campaign was paused or canceled meanwhile.
LOOK_SECONDS = 1.0
# Readers refused in a row (a 5xx to RCPT that names neither them nor us) before the campaign
# pauses: one reader's refusal is theirs, three in a row is the server refusing us.
REFUSED_IN_A_ROW = 3


def _send_seconds() -> float:
    """At most how long one send takes; infinite for an SMTP mailer without a timeout (a send
    could then hang for ever, and no claim outlasts it)."""
    config = settings.MAILERS["default"]
    if "smtp" not in config["BACKEND"].lower():
        return 0.0
    timeout = config.get("OPTIONS", {}).get("timeout")
    return SMTP_EXCHANGES * float(timeout) if timeout else float("inf")


def _stopped_meanwhile(campaign_id: int) -> bool:
    return Campaign.objects.stopped().filter(pk=campaign_id).exists()


class Outcome(NamedTuple):
    """How one row's send ended, for the batch: go on, or end the batch (`stop`), and whether the
    campaign must pause or wait (with the server's words)."""

    answer: Answer | None = None  # None: sent, skipped, or marked for this row alone
    reason: str = ""
    stop: bool = False


def _send_one(
    connection: Any, campaign: Campaign, row: Recipient, claim: uuid.UUID, now: dt.datetime
) -> Outcome:
    """Send one row and mark it by the server's answer. What the campaign must do about it (pause,
    wait) is the caller's, after the row's transaction: a pause takes the campaign's row lock,
    which must never be waited for while holding a recipient's."""
    message = render_message(row, campaign)
    if message is None:
        _skip(row, claim, "nothing to send")
        return Outcome()
    try:
        deliver(connection, message)
    except ValueError as exc:
        # Django refuses an address it cannot write (say, a non-ASCII local part).
        logger.warning("campaign %s: %s not sent: %s", campaign.pk, row.email, exc)
        _refused(row, f"invalid address: {exc}", undeliverable=True)
        return Outcome()
    except (smtplib.SMTPException, OSError) as exc:
        answer, reason = answer_for(exc)
        logger.warning("campaign %s: %s not sent (%s): %s", campaign.pk, row.email, answer, reason)
        if answer in (Answer.BAD_ADDRESS, Answer.MAILBOX):
            _refused(row, reason, undeliverable=answer is Answer.BAD_ADDRESS)
            return Outcome()
        if answer in (Answer.PAUSE, Answer.HOLD):
            # The server refused us or the message, not this reader: every other reader would
            # be refused alike. The row goes back as it was; nobody is marked.
            _release([row], claim)
            return Outcome(answer, reason, stop=True)
        _deferred(row, reason, now)
        return Outcome(answer, reason, stop=answer is Answer.GONE)
    _sent(row)
    return Outcome()


def _send_rows(
    campaign: Campaign, rows: list[Recipient], claim: uuid.UUID, now: dt.datetime, claimed: float
) -> Outcome:
    """Send a claimed batch over one connection; each row marked the moment the server answers.
    Returns the outcome that ended the batch early, if one did.

    While the batch's claim (taken at `claimed`, monotonic) outlasts the send of a row and its
    mark by far, no other sender can take the row: it is sent and marked as it is. Past that (a
    batch slower than its claim, say through a slow relay) each row is sent inside a transaction
    that holds its lock from the check that our claim is still on it until it is marked, so a row
    another sender took over is never sent twice, however slow either sender is."""
    skipped = _still_wanted(campaign, rows)
    under_claim = claimed + _claim_seconds() - 2 * _send_seconds()
    look_at = time.monotonic() + LOOK_SECONDS
    refused_in_a_row = 0
    with mailer() as connection:
        for index, row in enumerate(rows):
            if row.pk in skipped:
                _skip(row, claim, skipped[row.pk])
                continue
            clock = time.monotonic()
            if clock >= look_at:
                look_at = clock + LOOK_SECONDS
                if _stopped_meanwhile(campaign.pk):
                    _release(rows[index:], claim)
                    return Outcome(stop=True)
            outcome: Outcome | None
            if clock < under_claim:
                outcome = _send_one(connection, campaign, row, claim, now)
            else:
                with transaction.atomic():
                    held = _hold(row, claim)
                    outcome = _send_one(connection, campaign, row, claim, now) if held else None
                if outcome is None:
                    if _stopped_meanwhile(campaign.pk):
                        _release(rows[index:], claim)
                        return Outcome(stop=True)
                    continue  # another sender took the row over after our claim lapsed: theirs
            refused_in_a_row = refused_in_a_row + 1 if outcome.answer is Answer.RECIPIENT else 0
            if refused_in_a_row == REFUSED_IN_A_ROW:
                outcome = Outcome(
                    Answer.PAUSE, f"{REFUSED_IN_A_ROW} readers refused in a row: {outcome.reason}"
                )
            if outcome.stop or outcome.answer is Answer.PAUSE:
                _release(rows[index + 1 :], claim)
                return outcome
    return Outcome()


def _held(campaign: Campaign, now: dt.datetime) -> float:
    """Seconds the campaign still waits after a provider's throttling answer (0: none)."""
    if campaign.held_until is None:
        return 0.0
    return max(0.0, (campaign.held_until - now).total_seconds())


def campaign_send_batch(campaign_id: int, generation: int | None = None) -> tuple[bool, float]:
    """Send one batch of the campaign over one connection. Returns whether to send another, and
    how many seconds to wait before it (the configured rate, until the first waiting row is due,
    or until a provider's throttling is over). A paused or canceled campaign sends nothing and
    stops, and so does a chain of senders from before the campaign's senders were started again
    (`generation`), so a campaign never has more than its MAILINGS_SENDERS chains."""
    started = time.monotonic()
    now = timezone.now()
    campaign = Campaign.objects.select_related("guide__track").get(pk=campaign_id)
    if generation is not None and generation != campaign.generation:
        return False, 0.0
    if _stopped(campaign):
        return False, 0.0
    waiting = _held(campaign, now)
    if waiting:
        return True, waiting
    claim = uuid.uuid4()
    rows = _claim(campaign_id, now, claim)
    outcome = Outcome()
    if rows:
        try:
            outcome = _send_rows(campaign, rows, claim, now, claimed=started)
        except (smtplib.SMTPException, OSError) as exc:
            # The connection could not be opened (or closed badly): the batch goes back.
            _release(rows, claim)
            answer, reason = answer_for(exc)
            if answer not in (Answer.PAUSE, Answer.HOLD):
                raise
            # Refused at the door (a 5xx to our sign-in: a suspended or misconfigured account).
            outcome = Outcome(answer, f"the mail server refused us: {reason}", stop=True)
    if outcome.answer is Answer.PAUSE:
        campaign_pause(campaign_id=campaign_id, reason=outcome.reason)
        return False, 0.0
    if outcome.answer is Answer.HOLD:
        wait = campaign_hold(campaign_id=campaign_id, reason=outcome.reason)
        return (False, 0.0) if wait is None else (True, wait)
    if campaign.holds and rows and not outcome.stop:
        Campaign.objects.filter(pk=campaign_id).update(holds=0)  # the provider takes mail again
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
    stopped = Campaign.objects.stopped()
    sending = Campaign.objects.filter(finished_at__isnull=True).exclude(pk__in=stopped)
    for campaign in sending:
        rows = Recipient.objects.filter(campaign=campaign)
        due = rows.filter(status=Recipient.Status.QUEUED, next_attempt_at__lte=now).filter(
            Q(claimed_until__isnull=True) | Q(claimed_until__lte=now)
        )
        last = rows.aggregate(sent=Max("sent_at"))["sent"]
        if due.exists() and (last is None or last < now - quiet):
            stalled.append(campaign.pk)
    return stalled
