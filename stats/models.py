"""The owner's dashboard: the subscriptions' history its weekly figures are counted from, and
its permission."""

from __future__ import annotations

from django.db import models


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
        constraints = [
            models.UniqueConstraint(
                fields=["stripe_subscription_id", "kind", "at"], name="subscription_change_once"
            )
        ]
        # The dashboard's own permission lives here, with the rows it is counted from.
        permissions = [("view_dashboard", "Can view the owner's dashboard (revenue, members)")]

    def __str__(self) -> str:
        return f"{self.stripe_subscription_id} {self.kind} {self.at:%Y-%m-%d}"
