"""The owner's dashboard: its permission, and the subscriptions' history the weekly figures are
counted from."""

from __future__ import annotations

from django.db import models


class Dashboard(models.Model):
    """No table: the `view_dashboard` permission (revenue and members on the admin home)."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [("view_dashboard", "Can view the owner's dashboard (revenue, members)")]

    def __str__(self) -> str:
        return "The owner's dashboard"


class SubscriptionChange(models.Model):
    """A subscription started or stopped giving access, at Stripe's time (stats.history). A
    subscription can start, end and start again (paid after being unpaid)."""

    class Kind(models.TextChoices):
        STARTED = "started", "Started"
        ENDED = "ended", "Ended"

    stripe_subscription_id = models.CharField(max_length=255, db_index=True)
    kind = models.CharField(max_length=8, choices=Kind.choices)
    at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ("at",)

    def __str__(self) -> str:
        return f"{self.stripe_subscription_id} {self.kind} {self.at:%Y-%m-%d}"
