"""A member's request for a peer mock interview: what kind, with whom (tier, level, focus), and
the windows they are free in, stored in UTC with the time zone they were entered in."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class MockRequest(models.Model):
    class Kind(models.TextChoices):
        TECHNICAL = "technical", "Technical (coding)"
        SYSTEM_DESIGN = "system-design", "System design"

    class Tier(models.TextChoices):
        BIG_TECH = "big-tech", "Big tech"
        GROWTH = "growth", "Growth company"
        STARTUP = "startup", "Startup"

    class Level(models.TextChoices):
        ENTRY = "entry", "Entry"
        MID = "mid", "Mid-level"
        SENIOR = "senior", "Senior"
        STAFF = "staff", "Staff"

    class Status(models.TextChoices):
        OPEN = "open", "Waiting for a match"
        MATCHED = "matched", "Matched"
        WITHDRAWN = "withdrawn", "Withdrawn"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mock_requests"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    tier = models.CharField(max_length=20, choices=Tier.choices)
    level = models.CharField(max_length=20, choices=Level.choices)
    # A pattern's slug for a technical mock, a topic for system design.
    focus = models.CharField(max_length=120)
    time_zone = models.CharField(max_length=64, help_text="The zone the windows were entered in.")
    # [[start, end], ...] as ISO 8601 UTC instants, earliest first.
    windows = models.JSONField(default=list)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    # When it was matched: the time to match is matched_at - created_at.
    matched_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind"],
                condition=models.Q(status="open"),
                name="one_open_request_per_kind",
            )
        ]
        indexes = [models.Index(fields=["kind", "status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind} ({self.status})"


class Booking(models.Model):
    """Two requests matched: two rounds back to back from `starts_at` (95 minutes), each member
    interviewing the other once. `uid` and `sequence` are its calendar invitation's."""

    class Status(models.TextChoices):
        BOOKED = "booked", "Booked"
        CANCELED = "canceled", "Canceled"

    kind = models.CharField(max_length=20, choices=MockRequest.Kind.choices)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    first = models.ForeignKey(MockRequest, on_delete=models.PROTECT, related_name="+")
    second = models.ForeignKey(MockRequest, on_delete=models.PROTECT, related_name="+")
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="mock_bookings")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.BOOKED)
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    sequence = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["status", "starts_at"])]

    def __str__(self) -> str:
        return f"{self.kind} mock at {self.starts_at:%Y-%m-%d %H:%M} UTC"


class Block(models.Model):
    """ "Never match me with this person": holds for good, both ways."""

    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    blocked = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["member", "blocked"], name="block_once")]

    def __str__(self) -> str:
        return f"{self.member_id} blocks {self.blocked_id}"
