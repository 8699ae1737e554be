"""Content app: connects the receivers that retire cached pages on every write."""

from django.apps import AppConfig


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = "Content"

    def ready(self) -> None:
        from . import receivers  # noqa: F401 - connects the content version to every write
