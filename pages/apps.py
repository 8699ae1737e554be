"""The page-caching subsystem (pages.shells, pages.cache): registers the content stamp for a
signed-in reader's one round trip."""

from django.apps import AppConfig


class PagesConfig(AppConfig):
    name = "pages"
    verbose_name = "Cached pages"

    def ready(self) -> None:
        from alphacode.cache import register_per_user_keys

        from .cache import CONTENT_STAMP

        def keys(user_id: object) -> list[str]:
            # Shared by every reader, but read on nearly every page of theirs.
            return [CONTENT_STAMP]

        register_per_user_keys(self.label, keys)
