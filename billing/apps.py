from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = "Billing"

    def ready(self) -> None:
        from alphacode.cache import register_per_user_keys

        from .entitlements import cache_key, stamp_key

        def keys(user_id: object) -> list[str]:
            return [cache_key(user_id), stamp_key(user_id)]

        register_per_user_keys(self.label, keys)
