"""The page-caching subsystem (see pages.shells)."""

from django.apps import AppConfig


class PagesConfig(AppConfig):
    name = "pages"
    verbose_name = "Cached pages"
