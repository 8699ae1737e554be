"""Members' email, the decisions: who wants what (preferences and the unsubscribe link), who a
campaign goes to, and announcing a guide. The sending is in mailings.sending."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from articles.models import Guide
from billing.entitlements import with_premium_access

from .models import PREFERENCE, Campaign, EmailPreferences, Recipient
from .tasks import campaign_send

KINDS = ("announcements", "digest")
UNSUBSCRIBE_SALT = "alphacode.mailings.unsubscribe"
FILL_BATCH = 2000


# --- Preferences ---------------------------------------------------------------------------------


def wants(user: User, kind: str) -> bool:
    """Whether the reader wants this kind of members' email, their address able to take it."""
    return wanting(kind, User.objects.filter(pk=user.pk)).exists()


def preferences_save(*, user: User, **choices: bool) -> EmailPreferences:
    """Turn kinds of members' email on or off (`announcements=`, `digest=`)."""
    unknown = set(choices) - set(KINDS)
    if unknown:
        raise ValueError(f"unknown kinds of email: {', '.join(sorted(unknown))}")
    chosen, _ = EmailPreferences.objects.get_or_create(user=user)
    for kind, value in choices.items():
        setattr(chosen, kind, value)
    chosen.save()
    return chosen


def unsubscribe_token(user: User, kind: str, address: str) -> str:
    """A signed token naming the reader, the kind of email and the address it was sent to: the
    unsubscribe link works without signing in, only for what it names, and only while the
    reader's address is that one (a forwarded email stops working after an address change)."""
    return signing.dumps(
        {"u": user.pk, "k": kind, "e": address.lower()}, salt=UNSUBSCRIBE_SALT, compress=True
    )


def unsubscribe_url(user: User, kind: str, address: str) -> str:
    path = reverse("mailings:unsubscribe", args=[unsubscribe_token(user, kind, address)])
    return f"{settings.SITE_URL}{path}"


def token_reader(token: str) -> tuple[User, str] | None:
    """The reader and kind a token names, or None for a token that was not made here or whose
    address is no longer the reader's. A token from before addresses were named (no "e") still
    unsubscribes: it can do nothing else."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("k") not in KINDS:
        return None
    user_id = data.get("u")
    if not isinstance(user_id, int):
        return None
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return None
    address = data.get("e")
    if address is not None and address != user.email.lower():
        return None
    return user, data["k"]


# --- Audiences and campaigns -------------------------------------------------------------------


def members() -> QuerySet[User]:
    """Active readers whose address is confirmed."""
    confirmed = EmailAddress.objects.filter(user=OuterRef("pk"), verified=True)
    return User.objects.filter(is_active=True).filter(Exists(confirmed))


def wanting(kind: str, users: QuerySet[User] | None = None) -> QuerySet[User]:
    """Of `users` (everyone by default), the readers who want this kind of members' email
    ("announcements" or "digest"): they have not turned it off (the digest is on by default
    only for readers with premium access), and no mail server refused their address for good.
    The one statement of that rule: `wants` asks it of one reader, `audience` of a campaign's."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind of email: {kind!r} (one of {', '.join(KINDS)})")
    users = User.objects.all() if users is None else users
    refused = EmailPreferences.objects.filter(user=OuterRef("pk"), undeliverable=OuterRef("email"))
    users = users.exclude(Exists(refused))
    if kind == "announcements":
        off = EmailPreferences.objects.filter(user=OuterRef("pk"), announcements=False)
        return users.exclude(Exists(off))
    chose_on = EmailPreferences.objects.filter(user=OuterRef("pk"), digest=True)
    chose = EmailPreferences.objects.filter(user=OuterRef("pk"), digest__isnull=False)
    default_on = with_premium_access(User.objects.filter(pk=OuterRef("pk")))
    return users.filter(Q(Exists(chose_on)) | (~Q(Exists(chose)) & Q(Exists(default_on))))


def audience(kind: str, who: str) -> QuerySet[User]:
    """The readers a campaign of this kind goes to: its audience (members with a confirmed
    address, or only those with premium access), those of them who want the kind."""
    users = members()
    if who == Campaign.Audience.SUBSCRIBERS:
        users = with_premium_access(users)
    return wanting(PREFERENCE[kind], users)


def _chunks(ids: Iterator[tuple[int, str]]) -> Iterator[list[tuple[int, str]]]:
    chunk: list[tuple[int, str]] = []
    for row in ids:
        chunk.append(row)
        if len(chunk) == FILL_BATCH:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def campaign_fill(campaign: Campaign) -> int:
    """Add a row for every reader of the campaign's audience who has none yet, in batches (a
    campaign filled twice adds no one twice); how many were added."""
    readers = (
        audience(campaign.kind, campaign.audience)
        .exclude(Exists(Recipient.objects.filter(campaign=campaign, user=OuterRef("pk"))))
        .order_by("pk")
        .values_list("pk", "email")
    )
    added = 0
    for chunk in _chunks(readers.iterator(chunk_size=FILL_BATCH)):
        rows = [Recipient(campaign=campaign, user_id=pk, email=email) for pk, email in chunk]
        added += len(Recipient.objects.bulk_create(rows, ignore_conflicts=True))
    return added


@transaction.atomic
def guide_announce(*, guide: Guide, to: str, by: User | None = None) -> tuple[Campaign, int]:
    """Announce a published guide to readers with premium access (`subscribers`) or to every
    member (`members`). A guide has one announcement: announcing it again, to the same audience
    or a narrower one, sends nothing new; to a wider one, only to those it has not reached.
    Returns the campaign and how many readers were added."""
    if to not in Campaign.Audience.values:
        raise ValueError(f"the audience is 'subscribers' or 'members', not {to!r}")
    if not guide.is_public:
        raise ValueError(f"'{guide.slug}' is not published; publish it before announcing it")
    campaign, _ = Campaign.objects.select_for_update().get_or_create(
        key=f"announcement:{guide.pk}",
        defaults={
            "kind": Campaign.Kind.ANNOUNCEMENT,
            "audience": to,
            "guide": guide,
            "created_by": by,
        },
    )
    if to == Campaign.Audience.MEMBERS and campaign.audience != to:
        campaign.audience = to
        campaign.finished_at = None
        campaign.save(update_fields=["audience", "finished_at"])
    reopened = 0
    if campaign.canceled_at is not None:
        # Announced again after it was canceled (say, the guide unpublished and published
        # again): the readers it had not reached are queued again.
        Campaign.objects.filter(pk=campaign.pk).update(canceled_at=None, reason="")
        reopened = Recipient.objects.filter(
            campaign=campaign, status=Recipient.Status.CANCELED
        ).update(status=Recipient.Status.QUEUED, claimed_until=None, claim=None)
    added = campaign_fill(campaign)
    if added or reopened:
        Campaign.objects.filter(pk=campaign.pk).update(finished_at=None)
        transaction.on_commit(lambda: campaign_start(campaign.pk), robust=True)
    return campaign, added


@transaction.atomic
def digest_send(*, now: dt.datetime | None = None) -> tuple[Campaign, int]:
    """This week's digest (one per ISO week, however often it is asked for) to every member who
    wants it; returns the campaign and how many readers were added. What each gets is decided
    when their email is rendered (mailings.digest); a reader with nothing gets nothing."""
    year, week, _ = timezone.localdate(now or timezone.now()).isocalendar()
    campaign, _ = Campaign.objects.select_for_update().get_or_create(
        key=f"digest:{year}-W{week:02}",
        defaults={"kind": Campaign.Kind.DIGEST, "audience": Campaign.Audience.MEMBERS},
    )
    added = campaign_fill(campaign)
    if added:
        Campaign.objects.filter(pk=campaign.pk).update(finished_at=None)
        transaction.on_commit(lambda: campaign_start(campaign.pk), robust=True)
    return campaign, added


def campaign_start(campaign_id: int) -> None:
    """Queue the campaign's senders: MAILINGS_SENDERS chains of batches, each claiming rows the
    others do not hold, so a worker with as many processes sends that many batches at once. The
    chains of an earlier start stop at their next batch (the campaign's `generation`)."""
    Campaign.objects.filter(pk=campaign_id).update(generation=F("generation") + 1)
    generation = Campaign.objects.values_list("generation", flat=True).get(pk=campaign_id)
    for _ in range(settings.MAILINGS_SENDERS):
        campaign_send.delay(campaign_id, generation)


# --- Staff's controls ----------------------------------------------------------------------------


def campaign_pause(*, campaign_id: int, reason: str) -> bool:
    """Stop sending the campaign until it is resumed: its rows stay queued, and a batch being
    sent ends within a second. False if it was already paused, canceled or finished."""
    paused = Campaign.objects.filter(
        pk=campaign_id, paused_at__isnull=True, canceled_at__isnull=True, finished_at__isnull=True
    ).update(paused_at=timezone.now(), reason=reason[:300])
    return bool(paused)


# A throttled campaign waits this long before trying again, a longer wait each time in a row;
# past the last it pauses (a daily quota is for staff to see, not to hammer).
HOLD_WAITS = (dt.timedelta(minutes=1), dt.timedelta(minutes=5), dt.timedelta(minutes=30))


def campaign_hold(*, campaign_id: int, reason: str) -> float | None:
    """The mail server throttled us (a 4xx to the sender or the message): the campaign waits,
    its rows queued as they were. Returns the seconds to wait, or None when this was one wait
    too many in a row and the campaign is paused instead."""
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign_id)
        if campaign.holds >= len(HOLD_WAITS):
            waited = ", ".join(f"{int(w.total_seconds() // 60)} min" for w in HOLD_WAITS)
            campaign_pause(
                campaign_id=campaign_id, reason=f"still throttled after waiting {waited}: {reason}"
            )
            return None
        wait = HOLD_WAITS[campaign.holds]
        Campaign.objects.filter(pk=campaign_id).update(
            held_until=timezone.now() + wait,
            holds=F("holds") + 1,
            reason=f"the mail server asked us to wait: {reason}"[:300],
        )
    return wait.total_seconds()


def campaign_resume(*, campaign_id: int) -> bool:
    """Send a paused campaign again, from where it stopped (and a waiting one now). False if it
    was neither."""
    with transaction.atomic():
        resumed = (
            Campaign.objects.filter(
                pk=campaign_id, canceled_at__isnull=True, finished_at__isnull=True
            )
            .filter(Q(paused_at__isnull=False) | Q(held_until__gt=timezone.now()))
            .update(paused_at=None, held_until=None, holds=0, reason="")
        )
        if resumed:
            transaction.on_commit(lambda: campaign_start(campaign_id), robust=True)
    return bool(resumed)


@transaction.atomic
def campaign_cancel(*, campaign_id: int, reason: str) -> int:
    """Send nothing more of the campaign: its queued rows are canceled (the ones sent stay
    sent). Returns how many rows were canceled; 0 if it was canceled or finished already."""
    canceled = Campaign.objects.filter(
        pk=campaign_id, canceled_at__isnull=True, finished_at__isnull=True
    ).update(canceled_at=timezone.now(), paused_at=None, reason=reason[:300])
    if not canceled:
        return 0
    return Recipient.objects.filter(campaign_id=campaign_id, status=Recipient.Status.QUEUED).update(
        status=Recipient.Status.CANCELED, claimed_until=None, claim=None
    )


def campaign_progress(campaign: Campaign) -> dict[str, int]:
    """How many of the campaign's readers are in each state (queued, sent, failed, skipped,
    canceled), and in all."""
    counts = dict(
        Recipient.objects.filter(campaign=campaign)
        .values_list("status")
        .annotate(n=Count("*"))
        .values_list("status", "n")
    )
    progress = {status: counts.get(status, 0) for status in Recipient.Status.values}
    progress["total"] = sum(counts.values())
    return progress


def campaign_failures(campaign: Campaign) -> list[tuple[str, int]]:
    """The campaign's failures by reason, most common first."""
    return list(
        Recipient.objects.filter(campaign=campaign, status=Recipient.Status.FAILED)
        .values_list("error")
        .annotate(n=Count("*"))
        .order_by("-n")
        .values_list("error", "n")
    )
