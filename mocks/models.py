"""A member's request for a peer mock interview: what kind, with whom (tier, level, focus), and
the windows they are free in, stored in UTC with the time zone they were entered in."""

from __future__ import annotations

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
