"""The reader's site: the pages a visitor or a subscriber reads (home, the library, tracks, the
guide page, search, the feed and the sitemap), composed from the content (`articles`), access
(`billing.entitlements`), a reader's study state (`study`), the dashboard's counters (`stats`)
and the shells they are served from (`pages`). It owns no model."""

from django.apps import AppConfig


class ReaderConfig(AppConfig):
    name = "reader"
    verbose_name = "Reader's site"
