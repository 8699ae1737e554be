"""Members' email: what each reader wants, and campaigns of one row per recipient."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class EmailPreferences(models.Model):
    """What a reader wants by email, beyond the billing emails (which are transactional and always
    sent). A reader without a row has the defaults: announcements on, the digest on when they
    have premium access."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="email_preferences",
    )
    announcements = models.BooleanField(default=True)
    # None: the default (on for readers with premium access, off for other members).
    digest = models.BooleanField(null=True, blank=True)
    # The address a mail server refused for good (a 5xx answer): no members' email goes to it
    # until the reader's address changes.
    undeliverable = models.EmailField(blank=True)
    undeliverable_reason = models.CharField(max_length=300, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "email preferences"

    def __str__(self) -> str:
        return f"preferences of {self.user_id}"


class CampaignQuerySet(models.QuerySet["Campaign"]):
    def stopped(self) -> CampaignQuerySet:
        """Campaigns that send nothing now: paused, canceled, or waiting out a throttle."""
        return self.filter(
            models.Q(paused_at__isnull=False)
            | models.Q(canceled_at__isnull=False)
            | models.Q(held_until__gt=timezone.now())
        )


class Campaign(models.Model):
    """One email to many readers: a guide's announcement (one per guide, however often it is
    announced) or a week's digest."""

    class Kind(models.TextChoices):
        ANNOUNCEMENT = "announcement", "New guide"
        DIGEST = "digest", "Weekly digest"

    class Audience(models.TextChoices):
        SUBSCRIBERS = "subscribers", "Readers with premium access"
        MEMBERS = "members", "Every member with a confirmed address"

    key = models.CharField(max_length=80, unique=True)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    audience = models.CharField(max_length=12, choices=Audience.choices)
    guide = models.ForeignKey(
        "articles.Guide", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Paused (by staff, or by a mail server that refused the sender or the message: a quota, a
    # policy, a suspended account): nothing is sent until staff resume it; its rows stay queued.
    paused_at = models.DateTimeField(null=True, blank=True)
    # Why it is paused, or why it was canceled: shown in the admin.
    reason = models.CharField(max_length=300, blank=True)
    # Canceled (by staff, or because its guide is no longer public): its queued rows are dropped.
    canceled_at = models.DateTimeField(null=True, blank=True)
    # Waiting, after the mail server throttled us (a 4xx to the sender or the message), until
    # then; `holds` counts the waits in a row (the next one is longer, past the last it pauses).
    held_until = models.DateTimeField(null=True, blank=True)
    holds = models.PositiveSmallIntegerField(default=0)
    # Which start of its senders is current: a chain of senders from an earlier start stops, so
    # a campaign resumed or restarted never has more senders than MAILINGS_SENDERS.
    generation = models.PositiveIntegerField(default=0)

    objects = CampaignQuerySet.as_manager()

    class Meta:
        ordering = ("-created_at",)
        permissions = [("control_campaign", "Can pause, resume and cancel campaigns")]

    def __str__(self) -> str:
        return self.key

    @property
    def state(self) -> str:
        if self.canceled_at:
            return "canceled"
        if self.paused_at:
            return "paused"
        if self.finished_at:
            return "finished"
        if self.held_until and self.held_until > timezone.now():
            return f"waiting until {self.held_until:%H:%M} UTC"
        return "sending"


class Recipient(models.Model):
    """One reader of one campaign: queued, sent once, failed for good, skipped (checked again
    when it was due: nothing in a digest for them, or they no longer want it or can take it),
    or canceled with its campaign."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        # `error` says why: a digest with nothing for them, unsubscribed since, deactivated, or
        # an address changed since the campaign was filled.
        SKIPPED = "skipped", "Skipped"
        CANCELED = "canceled", "Canceled"

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="recipients")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    email = models.EmailField()  # the address when the campaign was filled
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    # A sender's claim: while it lasts no other sender takes the row; a sender that dies leaves
    # it to lapse, and the row is sent again (with the same Message-ID).
    claimed_until = models.DateTimeField(null=True, blank=True)
    # Which sender's claim it is: a sender sends a row only while its own claim is on it, so a
    # slow sender whose claim lapsed and was taken over never sends the row a second time.
    claim = models.UUIDField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["campaign", "user"], name="recipient_once")]
        indexes = [
            # The queued rows of a campaign in the order senders claim them: a claim reads a
            # batch of this index, not the rows already sent.
            models.Index(
                fields=["campaign", "next_attempt_at", "id"],
                condition=models.Q(status="queued"),
                name="recipient_due",
            )
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}:{self.user_id}"


# The preference (and unsubscribe link) that turns each kind of campaign off.
PREFERENCE: dict[str, str] = {
    Campaign.Kind.ANNOUNCEMENT: "announcements",
    Campaign.Kind.DIGEST: "digest",
}
