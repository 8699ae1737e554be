"""The admin site: Django's, with the owner's dashboard at the top of its home page for staff
who hold `stats.view_dashboard` (set as the default site by alphacode.apps.AdminConfig)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import URLPattern, URLResolver, path


class AdminSite(admin.AdminSite):
    site_header = "Alpha Code editors"
    site_title = "Alpha Code admin"
    index_title = "Content and operations"

    def index(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> TemplateResponse:
        from stats.views import PERMISSION, dashboard_context

        if request.user.has_perm(PERMISSION):
            extra_context = {**(extra_context or {}), **dashboard_context(request)}
        return super().index(request, extra_context)

    def get_urls(self) -> list[URLPattern | URLResolver]:
        from stats.views import guides_csv, now_csv, weeks_csv

        return [
            path("dashboard/now.csv", self.admin_view(now_csv), name="stats_now_csv"),
            path("dashboard/weeks.csv", self.admin_view(weeks_csv), name="stats_weeks_csv"),
            path("dashboard/guides.csv", self.admin_view(guides_csv), name="stats_guides_csv"),
            *super().get_urls(),
        ]
