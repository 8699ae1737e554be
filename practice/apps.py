"""Practice (issue 22): problems as content, solved in the reader's browser; re-solves on SM-2's
schedule; the diagnostic that names a reader's weak patterns."""

from django.apps import AppConfig


class PracticeConfig(AppConfig):
    name = "practice"
    verbose_name = "Practice"

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (connects the cache's receivers)
