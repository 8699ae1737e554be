"""Content app: registers the content version for the request's one round trip and connects the
receivers that move it on every write."""

from django.apps import AppConfig


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = "Content"

    def ready(self) -> None:
        from alphacode.cache import register_per_user_keys

        from .services import CONTENT_VERSION_KEY

        def keys(user_id: object) -> list[str]:
            # Shared by every reader, but read on nearly every page of theirs.
            return [CONTENT_VERSION_KEY]

        register_per_user_keys(self.label, keys)

        from . import receivers  # noqa: F401 - connects the content version to every write
