"""Campaigns in the admin: each one's progress as it runs (queued, sent, failed, of total, with a
bar) and its failures by reason. Announcing is an action on guides (articles.admin)."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from django.utils.html import format_html

from .models import Campaign
from .services import campaign_failures, campaign_progress


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ("key", "kind", "audience", "created_at", "progress", "finished_at")
    list_filter = ("kind", "audience")
    readonly_fields = (
        "key",
        "kind",
        "audience",
        "guide",
        "created_by",
        "created_at",
        "finished_at",
        "progress",
        "failures",
    )
    fields = readonly_fields

    @admin.display(description="Progress")
    def progress(self, obj: Campaign) -> str:
        counts = campaign_progress(obj)
        total = counts["total"] or 1
        done = counts["sent"] + counts["failed"]
        return format_html(
            '<progress max="{}" value="{}" aria-label="Sent or failed">{}%</progress> '
            "{} sent, {} failed, {} queued, of {}",
            total,
            done,
            round(100 * done / total),
            counts["sent"],
            counts["failed"],
            counts["queued"],
            counts["total"],
        )

    @admin.display(description="Failures by reason")
    def failures(self, obj: Campaign) -> str:
        rows = campaign_failures(obj)
        if not rows:
            return "None"
        return format_html(
            "<ul>{}</ul>",
            format_html("".join(format_html("<li>{} × {}</li>", n, reason) for reason, n in rows)),
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
