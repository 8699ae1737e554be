"""Mock interviews in the admin: members' reports of peers, for staff to read (unhandled
first) and mark handled."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import F, QuerySet
from django.http import HttpRequest

from accounts.requests import signed_in_user

from .models import Report
from .safety import reports_handle


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ("created_at", "reporter", "reported", "booking", "short_reason", "handled_at")
    list_filter = (("handled_at", admin.EmptyFieldListFilter), "created_at")
    search_fields = ("reporter__email", "reported__email", "reason")
    # Unhandled first, newest first among them.
    ordering = (F("handled_at").asc(nulls_first=True), "-created_at")
    readonly_fields = (
        "reporter",
        "reported",
        "booking",
        "reason",
        "created_at",
        "handled_at",
        "handled_by",
    )
    fieldsets = (
        (None, {"fields": ("reporter", "reported", "booking", "reason", "created_at")}),
        ("Handling", {"fields": ("handled_at", "handled_by", "staff_note")}),
    )
    actions = ["mark_handled"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # members make reports, from their mock's pages

    @admin.display(description="Reason")
    def short_reason(self, report: Report) -> str:
        return report.reason if len(report.reason) <= 80 else f"{report.reason[:79]}…"

    @admin.action(description="Mark selected reports handled", permissions=["change"])
    def mark_handled(self, request: HttpRequest, queryset: QuerySet[Report]) -> None:
        staff = signed_in_user(request)
        assert staff is not None  # the admin is for signed-in staff only
        count = reports_handle(reports=queryset, staff=staff)
        self.message_user(request, f"Marked {count} report(s) handled.", messages.SUCCESS)
