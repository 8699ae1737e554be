"""Operators' admin for gifts: read-only, filtered by state; a gift changes only through its
services (payment, delivery, redeem, refund), each driven by Stripe or the member."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from .models import Gift


@admin.register(Gift)
class GiftAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "giver",
        "recipient_email",
        "months",
        "state",
        "deliver_on",
        "delivered_at",
        "redeemed_by",
        "redeemed_at",
        "created_at",
    )
    list_filter = ("state", "months")
    search_fields = (
        "recipient_email",
        "giver__email",
        "redeemed_by__email",
        "stripe_payment_intent_id",
    )
    list_select_related = ("giver", "redeemed_by")
    date_hierarchy = "created_at"
    fieldsets = (
        (None, {"fields": ("giver", "recipient_email", "months", "message", "state")}),
        (
            "Payment",
            {
                "fields": (
                    "amount",
                    "currency",
                    "paid_at",
                    "stripe_checkout_session_id",
                    "stripe_payment_intent_id",
                    "amount_refunded",
                    "refunded_at",
                    "voided_at",
                )
            },
        ),
        ("Delivery", {"fields": ("deliver_on", "delivered_at")}),
        ("Redeem", {"fields": ("redeemed_by", "redeemed_at", "access_from", "access_until")}),
    )

    def has_change_permission(self, request: HttpRequest, obj: Gift | None = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Gift | None = None) -> bool:
        return False
