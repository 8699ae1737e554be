"""Study app: registers each reader's study-state keys for the request's one round trip."""

from django.apps import AppConfig


class StudyConfig(AppConfig):
    name = "study"
    verbose_name = "Study"

    def ready(self) -> None:
        from alphacode.cache import register_per_user_keys

        from .services import reading_key, state_key, state_stamp_key

        def keys(user_id: object) -> list[str]:
            return [state_key(user_id), state_stamp_key(user_id), reading_key(user_id)]

        register_per_user_keys(self.label, keys)
