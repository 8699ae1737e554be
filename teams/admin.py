"""Operators' admin for teams: each team with its seats' subscription, members and invites.
Seats and invites change through the site (so the seat rules hold); here they are read, and
a member's sharing choice is theirs alone."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from .models import Invite, Member, Team


class MemberInline(admin.TabularInline):
    model = Member
    fields = ("user", "seated", "shares_progress", "joined_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class InviteInline(admin.TabularInline):
    model = Invite
    fields = ("email", "state", "sends", "created_at", "accepted_by", "accepted_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "manager", "subscription", "created_at")
    search_fields = (
        "name",
        "manager__email",
        "subscription__stripe_subscription_id",
        "stripe_customer_id",
    )
    list_select_related = ("manager", "subscription")
    fieldsets = [
        (
            None,
            {
                "fields": (
                    "name",
                    "manager",
                    "stripe_customer_id",
                    "subscription",
                    "checkout_session_id",
                    "created_at",
                )
            },
        )
    ]
    readonly_fields = (
        "manager",
        "stripe_customer_id",
        "subscription",
        "checkout_session_id",
        "created_at",
    )
    inlines = [MemberInline, InviteInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(Member)
class MemberAdmin(admin.ModelAdmin):
    list_display = ("user", "team", "seated", "shares_progress", "joined_at")
    list_filter = ("seated", "shares_progress")
    search_fields = ("user__email", "team__name")
    list_select_related = ("user", "team")
    readonly_fields = ("team", "user", "seated", "shares_progress", "joined_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(Invite)
class InviteAdmin(admin.ModelAdmin):
    list_display = ("email", "team", "state", "sends", "created_at", "accepted_by")
    list_filter = ("state",)
    search_fields = ("email", "team__name", "accepted_by__email")
    list_select_related = ("team", "accepted_by")
    readonly_fields = (
        "team",
        "email",
        "state",
        "sends",
        "created_at",
        "accepted_by",
        "accepted_at",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
