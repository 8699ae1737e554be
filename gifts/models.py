"""A gift: months of Alpha Code a member paid for once, for someone's email address, from
awaiting payment to paid (sent on its day), then redeemed or void (refunded)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from .offers import MESSAGE_MAX, OFFERS


class Gift(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", "Awaiting payment"
        PAID = "paid", "Paid"
        REDEEMED = "redeemed", "Redeemed"
        VOID = "void", "Void (refunded)"

    # SET_NULL: a giver who closes their account leaves the gift redeemable.
    giver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="gifts_given",
    )
    recipient_email = models.EmailField()
    message = models.CharField(max_length=MESSAGE_MAX, blank=True)
    months = models.PositiveSmallIntegerField(choices=[(m, f"{m} months") for m in OFFERS])
    amount = models.PositiveIntegerField(help_text="In cents.")
    currency = models.CharField(max_length=3, default="usd")
    deliver_on = models.DateField(
        null=True, blank=True, help_text="The day (UTC) it is sent; empty: as soon as it is paid."
    )
    state = models.CharField(max_length=8, choices=State.choices, default=State.PENDING)
    # One per rendered form: the same form sent twice is one gift and one Checkout Session.
    form_token = models.CharField(max_length=32)
    stripe_checkout_session_id = models.CharField(max_length=255, blank=True, db_index=True)
    stripe_payment_intent_id = models.CharField(max_length=255, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the email with the link was queued for the recipient.",
    )
    redeemed_at = models.DateTimeField(null=True, blank=True)
    redeemed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="gifts_redeemed",
    )
    # The complimentary access the redeem gave: from (after any access they had) until.
    access_from = models.DateTimeField(null=True, blank=True)
    access_until = models.DateTimeField(null=True, blank=True)
    amount_refunded = models.PositiveIntegerField(default=0, help_text="In cents.")
    refunded_at = models.DateTimeField(null=True, blank=True)
    voided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at",)
        constraints = [
            models.UniqueConstraint(fields=["giver", "form_token"], name="one_gift_per_form")
        ]
        # The beat task's question: paid gifts not yet sent, by day.
        indexes = [models.Index(fields=["state", "deliver_on"])]

    def __str__(self) -> str:
        return f"{self.months} months for {self.recipient_email} ({self.get_state_display()})"
