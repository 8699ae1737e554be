"""Mock interviews in the admin: the system design prompts (imported from content/design-prompts/
by `manage.py import_design_prompts`, then edited here), the strikes, read-only (what the pause
rule counts), and members' reports of peers, for staff to read (unhandled first) and mark
handled."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import F, QuerySet
from django.http import HttpRequest

from accounts.requests import signed_in_user

from .models import DesignPrompt, Report, Strike
from .safety import reports_handle


@admin.register(DesignPrompt)
class DesignPromptAdmin(admin.ModelAdmin):
    list_display = ("title", "topic", "is_published", "updated_at")
    list_filter = ("is_published", "topic")
    search_fields = ("title", "slug", "topic")
    fieldsets = (
        (None, {"fields": ("title", "slug", "topic", "is_published")}),
        (
            "What the interviewer reads",
            {
                "fields": ("statement", "hints", "solution"),
                "description": "The statement is read out at 05:00; hints are a JSON list of "
                "texts, in order; the solution is what a strong answer covers (the interviewer "
                "only). An import with --new-only keeps what you change here.",
            },
        ),
    )


@admin.register(Strike)
class StrikeAdmin(admin.ModelAdmin):
    """Read-only: a strike is given by a late cancel or a no-show report, never by hand."""

    list_display = ("created_at", "member", "cause", "booking")
    list_filter = ("cause",)
    search_fields = ("member__email", "member__name")
    date_hierarchy = "created_at"
    list_select_related = ("member", "booking")
    fields = ("member", "cause", "booking", "created_at")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


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
