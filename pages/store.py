"""Where this process keeps its shells: settings.CACHES["local"].

A small least-recently-used store written against Django's public cache interface
(`BaseCache`) rather than a subclass of the local-memory backend: shells are immutable
(frozen dataclasses of strings), so they are kept and served as they are, without the pickling
(and the copy per read) that `LocMemCache` does, and without reaching into its internals."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache

# Django builds a cache object per thread (`caches` is thread-local), so the entries live here,
# one store per cache name, shared by every thread of the process.
_stores: dict[str, OrderedDict[str, tuple[float | None, Any]]] = {}
_locks: dict[str, threading.Lock] = {}


class ProcessCache(BaseCache):
    def __init__(self, name: str, params: dict[str, Any]) -> None:
        super().__init__(params)
        self.max_entries = int(params.get("OPTIONS", {}).get("MAX_ENTRIES", 300))
        # Key -> (expiry as a time.time() value or None for never, value); oldest first.
        self.entries = _stores.setdefault(name, OrderedDict())
        self.lock = _locks.setdefault(name, threading.Lock())

    def get(self, key: str, default: Any = None, version: int | None = None) -> Any:
        key = self.make_key(key, version=version)
        with self.lock:
            entry = self.entries.get(key)
            if entry is None:
                return default
            expires, value = entry
            if expires is not None and expires <= time.time():
                del self.entries[key]
                return default
            self.entries.move_to_end(key)
            return value

    def set(
        self, key: str, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> None:
        key = self.make_key(key, version=version)
        expires = self.get_backend_timeout(timeout)
        with self.lock:
            self.entries[key] = (expires, value)
            self.entries.move_to_end(key)
            while len(self.entries) > self.max_entries:
                self.entries.popitem(last=False)

    def delete(self, key: str, version: int | None = None) -> bool:
        key = self.make_key(key, version=version)
        with self.lock:
            return self.entries.pop(key, None) is not None

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()

    def add(self, *args: Any, **kwargs: Any) -> bool:
        raise NotImplementedError("ProcessCache holds shells: get, set, delete and clear only")

    def incr(self, *args: Any, **kwargs: Any) -> int:
        raise NotImplementedError("ProcessCache holds shells: get, set, delete and clear only")
