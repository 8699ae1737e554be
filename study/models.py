"""What a reader does with the guides: ticked checklist items, guides opened and finished, drill
card schedules and a plan to the interview date. All of it per user, on the server."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from articles.models import Guide, Item, Track


class Tick(models.Model):
    """A checklist item the reader marked ready."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="+")
    # The item's guide, kept here so progress per guide is one indexed count.
    guide = models.ForeignKey(Guide, on_delete=models.CASCADE, related_name="+")
    ticked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "item"], name="tick_once")]
        indexes = [models.Index(fields=["user", "guide"])]

    def __str__(self) -> str:
        return f"{self.user_id} ticked {self.item_id}"


class Reading(models.Model):
    """A guide the reader opened: when first and last, the section they were at, and whether they
    marked it finished by hand."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    guide = models.ForeignKey(Guide, on_delete=models.CASCADE, related_name="+")
    started_at = models.DateTimeField(default=timezone.now)
    opened_at = models.DateTimeField(default=timezone.now)
    section = models.CharField(max_length=80, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # When this member last saw the guide's paywall (the dashboard's attribution, stats).
    paywall_seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "guide"], name="reading_once")]
        indexes = [models.Index(fields=["user", "-opened_at"])]

    def __str__(self) -> str:
        return f"{self.user_id} reading {self.guide_id}"


class Card(models.Model):
    """A reader's SM-2 schedule for one phrase-table row (created at its first review)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="+")
    repetitions = models.PositiveIntegerField(default=0)
    interval = models.PositiveIntegerField(default=0, help_text="Days until the next review.")
    ease = models.FloatField(default=2.5)
    lapses = models.PositiveIntegerField(default=0)
    # SM-2 rule 5: graded below Good, the card comes back in today's session.
    repeat_today = models.BooleanField(default=False)
    due = models.DateField()
    first_reviewed_on = models.DateField()
    reviewed_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "item"], name="card_once")]
        indexes = [models.Index(fields=["user", "due"])]

    def __str__(self) -> str:
        return f"{self.user_id} card {self.item_id} due {self.due}"

    def repeats_today(self, today) -> bool:
        """Graded below Good today, so back in today's session (SM-2 rule 5)."""
        return self.repeat_today and timezone.localdate(self.reviewed_at) == today


class Plan(models.Model):
    """What the reader told us: the interview date, the tracks to cover and the daily time."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="study_plan"
    )
    interview_date = models.DateField()
    daily_minutes = models.PositiveSmallIntegerField(default=45)
    tracks = models.ManyToManyField(Track, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.user_id} interview on {self.interview_date}"
