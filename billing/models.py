"""Local billing state: each user's Stripe customer and subscriptions, the Stripe events we
received, and complimentary access granted by staff."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class Customer(models.Model):
    """A user's one Stripe customer, stored the first time it is known."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="stripe_customer"
    )
    stripe_customer_id = models.CharField(max_length=255, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.stripe_customer_id


class Subscription(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        TRIALING = "trialing", "Trialing"
        PAST_DUE = "past_due", "Past due"
        CANCELED = "canceled", "Canceled"
        UNPAID = "unpaid", "Unpaid"
        INCOMPLETE = "incomplete", "Incomplete"
        INCOMPLETE_EXPIRED = "incomplete_expired", "Incomplete, expired"
        PAUSED = "paused", "Paused"

    class Purpose(models.TextChoices):
        # The member's own: it gives them access.
        PERSONAL = "personal", "Personal"
        # A team's seats (teams app): it gives access to the team's seated members, not to the
        # manager who pays for it.
        TEAM = "team", "Team seats"

    class CancellationReason(models.TextChoices):
        """Stripe's `cancellation_details.feedback` choices, as the Customer Portal asks them."""

        CUSTOMER_SERVICE = "customer_service", "Customer service"
        LOW_QUALITY = "low_quality", "Quality"
        MISSING_FEATURES = "missing_features", "Missing features"
        OTHER = "other", "Other"
        SWITCHED_SERVICE = "switched_service", "Switched to another service"
        TOO_COMPLEX = "too_complex", "Too complex"
        TOO_EXPENSIVE = "too_expensive", "Too expensive"
        UNUSED = "unused", "Not used enough"

    # Statuses a subscription never leaves: nothing left to sync.
    ENDED_STATUSES = (Status.CANCELED, Status.INCOMPLETE_EXPIRED)

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="subscriptions"
    )
    stripe_subscription_id = models.CharField(max_length=255, unique=True)
    stripe_customer_id = models.CharField(max_length=255, db_index=True)
    status = models.CharField(max_length=32, choices=Status.choices)
    purpose = models.CharField(
        max_length=8, choices=Purpose.choices, default=Purpose.PERSONAL, db_index=True
    )
    price_id = models.CharField(max_length=255, blank=True)
    # Seats for a team subscription; 1 for a member's own.
    quantity = models.PositiveIntegerField(default=1)
    amount = models.PositiveIntegerField(null=True, blank=True, help_text="In cents.")
    currency = models.CharField(max_length=3, blank=True)
    # The price's recurring interval: "month" or "year" (billing.plans names the plan from it).
    interval = models.CharField(max_length=8, blank=True)
    monthly_amount = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="What it brings in a month, in cents: the price per month, less any coupon.",
    )
    # In the current Stripe API the period lives on the subscription items.
    current_period_end = models.DateTimeField(null=True, blank=True)
    cancel_at_period_end = models.BooleanField(default=False)
    # When its free trial ends (or ended); None for a subscription that had none.
    trial_end = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    # Why the member cancelled, as the Customer Portal asked them (Stripe's
    # `cancellation_details`): its feedback choice, their own words, and when.
    canceled_at = models.DateTimeField(null=True, blank=True)
    cancellation_feedback = models.CharField(
        max_length=32, choices=CancellationReason.choices, blank=True
    )
    cancellation_comment = models.TextField(blank=True)
    # Why it ended, in Stripe's words (`cancellation_details.reason`): "cancellation_requested"
    # (the member or staff), "payment_failed" (Stripe gave up retrying), "payment_disputed".
    cancellation_reason = models.CharField(max_length=32, blank=True)
    # When the first invoice of the current unpaid stretch failed: set by a sync that finds the
    # subscription past_due or unpaid, cleared by one that finds it paid up, kept when it ends
    # (the dashboard tells a trial whose first invoice never succeeded from a paid one). Access
    # while past due runs out BILLING_GRACE_DAYS after it (billing.entitlements).
    payment_failed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_synced_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("-created_at",)
        indexes = [models.Index(fields=["user", "status"])]

    def __str__(self) -> str:
        return f"{self.stripe_subscription_id} ({self.status})"


class StripeEvent(models.Model):
    """A webhook event, stored once by its Stripe id before anything acts on it."""

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        PROCESSED = "processed", "Processed"
        IGNORED = "ignored", "Ignored"
        FAILED = "failed", "Failed"

    id = models.CharField(max_length=255, primary_key=True)
    type = models.CharField(max_length=100, db_index=True)
    payload = models.JSONField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    # When the next attempt is due: set when the event is queued, moved on by the backoff after
    # each attempt that fails for now. It also names the one queued attempt that may run, so an
    # event has one chain of attempts (billing.events.event_process).
    next_attempt_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("-received_at",)
        indexes = [models.Index(fields=["state", "next_attempt_at"])]
        # The admin's "re-process" action asks for it (the event admin is otherwise read-only).
        permissions = [("reprocess_stripeevent", "Can re-process Stripe events")]

    def __str__(self) -> str:
        return f"{self.type} {self.id}"


class ComplimentaryAccess(models.Model):
    """Access granted by staff, without a subscription, until a date."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="complimentary_access"
    )
    expires_at = models.DateTimeField(help_text="Access ends at this time (UTC).")
    reason = models.CharField(max_length=200, blank=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "complimentary access"
        verbose_name_plural = "complimentary access"

    def __str__(self) -> str:
        return f"{self.user} until {self.expires_at:%d %b %Y}"

    @property
    def is_current(self) -> bool:
        return self.expires_at > timezone.now()
