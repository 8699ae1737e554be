"""Where this process keeps its shells: settings.CACHES["local"]."""

from __future__ import annotations

from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache


class ProcessCache(LocMemCache):
    """Django's local-memory cache without the pickling: for immutable values (shells, frozen
    dataclasses of strings) that this process keeps for itself, served as they are instead of
    being copied out of a pickle on every request."""

    def make_and_validate_key(self, key: str, version: int | None = None) -> str:
        return self.make_key(key, version=version)  # our own keys: no memcached checks

    def get(self, key: str, default: Any = None, version: int | None = None) -> Any:
        key = self.make_key(key, version=version)
        with self._lock:
            if self._has_expired(key):
                self._delete(key)
                return default
            self._cache.move_to_end(key, last=False)
            return self._cache[key]

    def set(
        self, key: str, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> None:
        key = self.make_key(key, version=version)
        with self._lock:
            self._set(key, value, timeout)

    def add(self, *args: Any, **kwargs: Any) -> bool:
        raise NotImplementedError("ProcessCache holds shells: get and set only")

    incr = add
