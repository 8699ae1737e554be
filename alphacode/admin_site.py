"""The admin site: Django's, with the owner's dashboard at the top of its home page for staff
who hold `stats.view_dashboard` (set as the default site by alphacode.apps.AdminConfig)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.template.response import TemplateResponse


class AdminSite(admin.AdminSite):
    site_header = "Alpha Code editors"
    site_title = "Alpha Code admin"
    index_title = "Content and operations"

    def index(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> TemplateResponse:
        if request.user.has_perm("stats.view_dashboard"):
            from stats.figures import now_figures

            extra_context = {**(extra_context or {}), "dashboard": now_figures()}
        return super().index(request, extra_context)
