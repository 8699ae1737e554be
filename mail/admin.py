"""Every recorded email, read-only: to whom, what, its Message-ID, when, and how it ended. A
campaign's emails are its Recipient rows (the campaign's page in the admin)."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from .models import Email


@admin.register(Email)
class EmailAdmin(admin.ModelAdmin):
    list_display = ("created_at", "kind", "to", "subject", "outcome", "sent_at", "attempts")
    list_filter = ("kind", ("sent_at", admin.EmptyFieldListFilter), "by_task")
    search_fields = ("to", "subject", "message_id", "cause")
    date_hierarchy = "created_at"
    fields = (
        "kind",
        "cause",
        "user",
        "to",
        "subject",
        "message_id",
        "created_at",
        "outcome",
        "sent_at",
        "attempts",
        "error",
        "claimed_until",
        "by_task",
        "context",
    )
    readonly_fields = fields
    list_select_related = ("user",)

    @admin.display(description="Outcome")
    def outcome(self, email: Email) -> str:
        return email.outcome

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
