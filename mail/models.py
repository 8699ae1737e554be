"""The record of every email the site sends, but a campaign's (mailings.Recipient is that)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class Email(models.Model):
    """One email, recorded before it is sent and marked with how the send ended. An email
    queued for a task (billing's) is one per cause (a user, a subscription, an invoice): the
    unique constraint is what makes a cause send at most one, however often its event arrives
    or its task retries. An email sent at once (allauth's codes and links) has a cause of its
    own and no context: what it said (a code, a link) is not kept, so it is never sent again."""

    kind = models.CharField(max_length=60, help_text="Its templates, e.g. welcome, login_code.")
    cause = models.CharField(max_length=255, help_text="What caused it, e.g. a Stripe id.")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="emails",
    )
    to = models.EmailField()
    subject = models.CharField(max_length=300, blank=True)
    message_id = models.CharField("Message-ID", max_length=200, blank=True)
    context = models.JSONField(default=dict)
    # Sent by a task, which retries it, and sent again if its sender died (mail.outbox); False
    # for an email sent at once, whose context is not kept: it is never sent again.
    by_task = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    # A sender's claim, committed before it talks to the mail server: until then no other
    # sender sends this email. A claim that lapses with the email unsent means the sender died,
    # perhaps after the server took the message: it is sent again, with the same Message-ID.
    claimed_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at",)
        constraints = [
            models.UniqueConstraint(fields=["kind", "cause"], name="one_email_per_cause")
        ]

    def __str__(self) -> str:
        return f"{self.kind} to {self.to}"

    @property
    def outcome(self) -> str:
        if self.sent_at is not None:
            return "sent"
        if self.error:
            return "failed"
        if self.attempts == 0:
            return "queued"
        if self.claimed_until is not None and self.claimed_until > timezone.now():
            return "sending"
        # Its sender stopped mid-send: sent again if a task sends it (mail.outbox.emails_lost).
        return "interrupted"
