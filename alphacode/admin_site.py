"""The admin site: Django's, with room for what apps add to it. An app registers, from its
`AppConfig.ready()`, a panel for the top of the admin home (a function of the request giving
template context, empty when the viewer may not see it) and URLs under /admin/. The stats app
puts the owner's dashboard there; this package names no app (set as the default site by
alphacode.apps.AdminConfig)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import URLPattern, URLResolver

HomePanel = Callable[[HttpRequest], dict[str, Any]]


class AdminSite(admin.AdminSite):
    site_header = "Alpha Code editors"
    site_title = "Alpha Code admin"
    index_title = "Content and operations"

    def __init__(self, name: str = "admin") -> None:
        super().__init__(name)
        self._home_panels: list[HomePanel] = []
        self._extra_urls: list[URLPattern | URLResolver] = []

    def add_home_panel(self, panel: HomePanel) -> None:
        """Add `panel(request)`'s context to the admin home (it checks who may see it)."""
        self._home_panels.append(panel)

    def add_urls(self, urls: list[URLPattern | URLResolver]) -> None:
        """Serve these under /admin/ (wrap their views in `admin_view`)."""
        self._extra_urls.extend(urls)

    def index(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> TemplateResponse:
        context = dict(extra_context or {})
        for panel in self._home_panels:
            context.update(panel(request))
        return super().index(request, context)

    def get_urls(self) -> list[URLPattern | URLResolver]:
        return [*self._extra_urls, *super().get_urls()]
