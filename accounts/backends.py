"""The authentication backend: Django's model backend, with the signed-in user read from the
cache instead of the database on every request. User.save() forgets the cached copy, so a
changed password, email or staff flag takes effect at once (Django still checks the session
against the password hash on every request)."""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache

USER_CACHE_SECONDS = 60


def user_cache_key(user_id: object) -> str:
    return f"auth-user:{user_id}"


class CachedModelBackend(ModelBackend):
    def get_user(self, user_id: object):
        key = user_cache_key(user_id)
        user = cache.get(key)
        if user is None:
            user = super().get_user(user_id)
            if user is not None:
                cache.set(key, user, USER_CACHE_SECONDS)
        return user if user is not None and self.user_can_authenticate(user) else None
