"""Members' email: new-guide announcements and the weekly study digest, sent as resumable
campaigns, with per-reader preferences and one-click unsubscribe (RFC 8058)."""

from django.apps import AppConfig


class MailingsConfig(AppConfig):
    name = "mailings"
    verbose_name = "Members' email"
