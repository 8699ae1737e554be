"""Campaigns in the admin: each one's state and progress as it runs (sent, failed, skipped,
queued, of total, with a bar), why it is paused or was canceled, and its failures by reason.
Staff holding "Can pause, resume and cancel campaigns" do that here. Announcing is an action on
guides (articles.admin)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join

from .models import Campaign
from .services import (
    campaign_cancel,
    campaign_failures,
    campaign_pause,
    campaign_progress,
    campaign_resume,
)


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ("key", "kind", "audience", "created_at", "state", "progress", "finished_at")
    list_filter = ("kind", "audience")
    readonly_fields = (
        "key",
        "kind",
        "audience",
        "guide",
        "created_by",
        "created_at",
        "state",
        "reason",
        "finished_at",
        "progress",
        "failures",
    )
    fields = readonly_fields
    actions = ("pause", "resume", "cancel")

    @admin.display(description="State")
    def state(self, obj: Campaign) -> str:
        return obj.state

    @admin.display(description="Progress")
    def progress(self, obj: Campaign) -> str:
        counts = campaign_progress(obj)
        total = counts["total"] or 1
        done = counts["total"] - counts["queued"]
        return format_html(
            '<progress max="{}" value="{}" aria-label="Done">{}%</progress> '
            "{} sent, {} failed, {} skipped, {} canceled, {} queued, of {}",
            total,
            done,
            round(100 * done / total),
            counts["sent"],
            counts["failed"],
            counts["skipped"],
            counts["canceled"],
            counts["queued"],
            counts["total"],
        )

    @admin.display(description="Failures by reason")
    def failures(self, obj: Campaign) -> str:
        rows = campaign_failures(obj)
        if not rows:
            return "None"
        return format_html(
            "<ul>{}</ul>", format_html_join("", "<li>{} × {}</li>", ((n, r) for r, n in rows))
        )

    def has_control_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("mailings.control_campaign")

    @admin.action(description="Pause the selected campaigns", permissions=["control"])
    def pause(self, request: HttpRequest, queryset: QuerySet[Campaign]) -> None:
        paused = [
            c.key
            for c in queryset
            if campaign_pause(campaign_id=c.pk, reason=f"paused by {request.user}")
        ]
        messages.info(request, f"Paused: {', '.join(paused) or 'none (not sending)'}.")

    @admin.action(description="Resume the selected campaigns", permissions=["control"])
    def resume(self, request: HttpRequest, queryset: QuerySet[Campaign]) -> None:
        resumed = [c.key for c in queryset if campaign_resume(campaign_id=c.pk)]
        messages.info(request, f"Resumed: {', '.join(resumed) or 'none (not paused)'}.")

    @admin.action(description="Cancel the selected campaigns", permissions=["control"])
    def cancel(self, request: HttpRequest, queryset: QuerySet[Campaign]) -> None:
        for campaign in queryset:
            dropped = campaign_cancel(campaign_id=campaign.pk, reason=f"canceled by {request.user}")
            messages.info(request, f"{campaign.key}: {dropped} queued email(s) canceled.")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
