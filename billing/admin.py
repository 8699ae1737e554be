"""Operators' admin for billing: customers, subscriptions, stored events, complimentary access.
Editors have no permissions here."""

from __future__ import annotations

import json

from django.contrib import admin, messages
from django.contrib.auth import get_permission_codename
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html

from .events import event_reprocess
from .models import ComplimentaryAccess, Customer, StripeEvent, Subscription


class ReadOnlyMixin:
    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Customer)
class CustomerAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("stripe_customer_id", "user", "created_at")
    search_fields = ("stripe_customer_id", "user__email")
    list_select_related = ("user",)


@admin.register(Subscription)
class SubscriptionAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = (
        "stripe_subscription_id",
        "user",
        "status",
        "interval",
        "trial_end",
        "current_period_end",
        "cancel_at_period_end",
        "payment_failed_at",
        "last_synced_at",
    )
    list_filter = ("status", "interval", "cancel_at_period_end")
    search_fields = ("stripe_subscription_id", "stripe_customer_id", "user__email")
    list_select_related = ("user",)


@admin.register(StripeEvent)
class StripeEventAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("id", "type", "state", "attempts", "received_at", "processed_at")
    list_filter = ("state", "type")
    search_fields = ("id",)
    readonly_fields = (
        "id",
        "type",
        "state",
        "attempts",
        "received_at",
        "processed_at",
        "error",
        "pretty_payload",
    )
    exclude = ("payload",)
    actions = ["reprocess"]

    def has_reprocess_permission(self, request: HttpRequest) -> bool:
        codename = get_permission_codename("reprocess", self.opts)
        return request.user.has_perm(f"{self.opts.app_label}.{codename}")

    @admin.display(description="Payload")
    def pretty_payload(self, obj: StripeEvent) -> str:
        return format_html("<pre>{}</pre>", json.dumps(obj.payload, indent=2, sort_keys=True))

    # Its own permission: the admin is read-only (no "change"), and Django lets any staff user
    # who may view the list run an action that declares none.
    @admin.action(
        description="Re-process selected failed or pending events", permissions=["reprocess"]
    )
    def reprocess(self, request: HttpRequest, queryset: QuerySet[StripeEvent]) -> None:
        done = 0
        for event in queryset.exclude(
            state__in=[StripeEvent.State.PROCESSED, StripeEvent.State.IGNORED]
        ):
            try:
                event_reprocess(event_id=event.pk)
            except Exception as exc:  # noqa: BLE001 - reported to the operator
                self.message_user(request, f"{event.pk}: {exc}", messages.WARNING)
            done += 1
        self.message_user(request, f"Re-processed {done} event(s).", messages.SUCCESS)


@admin.register(ComplimentaryAccess)
class ComplimentaryAccessAdmin(admin.ModelAdmin):
    list_display = ("user", "expires_at", "reason", "granted_by")
    search_fields = ("user__email", "reason")
    autocomplete_fields = ("user",)
    readonly_fields = ("granted_by", "created_at")

    def save_model(self, request: HttpRequest, obj: ComplimentaryAccess, form, change) -> None:
        # Saving or deleting a grant retires the holder's cached access by itself
        # (billing.receivers), as it does from a shell or billing.complimentary.
        if not change:
            obj.granted_by = request.user  # type: ignore[assignment] # the admin is staff only
        super().save_model(request, obj, form, change)
