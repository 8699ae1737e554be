"""Mock interviews in the admin: the system design prompts (imported from content/design-prompts/
by `manage.py import_design_prompts`, then edited here), and the strikes, read-only (what the
pause rule counts)."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from .models import DesignPrompt, Strike


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
