"""Accounts app: registers the signed-in user's cache keys for the request's one round trip."""

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    # allauth's account app (email addresses) is "Accounts" in the admin: ours holds the users.
    verbose_name = "Users"

    def ready(self) -> None:
        from alphacode.cache import register_per_user_keys

        from .backends import user_cache_key, user_stamp_key

        def keys(user_id: object) -> list[str]:
            return [user_cache_key(user_id), user_stamp_key(user_id)]

        register_per_user_keys(self.label, keys)
