"""The authentication backend: Django's model backend, with the signed-in user read from the
cache instead of the database on every request. User.save() and a delete renew the user's stamp
(forget_user), so a changed password, email or staff flag takes effect at once, even for a
request that read the user just before the change (Django still checks the session against the
password hash on every request)."""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend

from alphacode.cache import restamp, stamp_key, stamped_get

USER_CACHE_SECONDS = 60


def user_cache_key(user_id: object) -> str:
    return f"auth-user:{user_id}"


def user_stamp_key(user_id: object) -> str:
    return stamp_key("auth-user", user_id)


def forget_user(user_id: object) -> None:
    """Retire the cached copy of this user, now and once the current transaction commits."""
    restamp(user_stamp_key(user_id))


class CachedModelBackend(ModelBackend):
    def get_user(self, user_id: object):
        load = super().get_user
        user = stamped_get(
            user_cache_key(user_id),
            user_stamp_key(user_id),
            lambda: load(user_id),
            USER_CACHE_SECONDS,
        )
        return user if user is not None and self.user_can_authenticate(user) else None
