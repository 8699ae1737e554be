"""The owner's dashboard: the subscriptions' history its weekly figures are counted from, and
its permission."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


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


class GuideDay(models.Model):
    """A guide's counted views on one day (UTC): every view by a visitor who is not signed in,
    and every view that showed the paywall (visitors' and members'). Folded in from the counters
    (stats.counting); nobody is named."""

    guide = models.ForeignKey("articles.Guide", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    views = models.PositiveIntegerField(default=0)
    paywall_views = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ("-day",)
        constraints = [models.UniqueConstraint(fields=["guide", "day"], name="guide_day_once")]
        indexes = [models.Index(fields=["day"])]

    def __str__(self) -> str:
        return f"{self.guide_id} on {self.day}"


class FoldedBatch(models.Model):
    """A batch of counters moved out of Redis and added to GuideDay, recorded in the same
    transaction, so a fold that stopped halfway never adds a batch twice (stats.counting)."""

    name = models.CharField(max_length=80, primary_key=True)
    folded_at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return self.name


class CheckoutStart(models.Model):
    """A member was sent to Stripe Checkout, from a guide's paywall or elsewhere (the pricing
    page: no guide). One per Checkout form, however often it is submitted."""

    token = models.CharField(max_length=32, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    guide = models.ForeignKey(
        "articles.Guide", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    started_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return f"checkout {self.token} from {self.guide_id or 'pricing'}"


class Attribution(models.Model):
    """Which guide's paywall a subscription followed: the last paywall its member saw in the 7
    days before it started (none: `guide` is empty). Worked out once, when the subscription's
    first event is handled, and kept: a member's later paywalls do not move it."""

    stripe_subscription_id = models.CharField(max_length=255, unique=True)
    guide = models.ForeignKey(
        "articles.Guide", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    subscribed_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.stripe_subscription_id} after {self.guide_id or 'no paywall'}"
