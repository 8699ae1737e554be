"""The site's Redis cache, made cheaper per request.

- The backend is django-redis (`FastRedisCache` subclasses its `RedisCache`), chosen over
  Django's own Redis backend because it keeps one redis-py client per connection pool: Django
  builds a new `redis.Redis` object for every cache call, and building one costs more than the
  round trip to Redis on a local network. The subclass overrides only public cache methods
  (get, set, add, delete, incr, decr, ...), so it depends on no internals of either library.
  An unreachable Redis still raises redis-py's own errors (django-redis re-raises the cause).
- Reads batched per request: `prefetch(keys)` fetches several keys in one round trip (MGET) and
  keeps the values for the rest of the current request only (a context variable that
  `RequestCacheMiddleware` opens and closes); any other key a request reads is kept the same
  way, so a request asks Redis for a key once. Every write through this cache (set, add,
  delete, incr, ...) drops the key from the batch first, so a request never reads back a value
  older than its own write. Outside a request (workers, commands) nothing is kept.
- Stamps, the one answer to "a read that raced a write": a value read from the database is
  cached with its owner's stamp as it was before the read (`stamped_get`), and used only while
  the stamp is unchanged; a change renews the stamp (`restamp`), now and once it commits, so a
  read that raced the change can never be served after it. A cached user, their access answer
  and their study state are stamped entries; the content stamp (`pages.cache`) is part of
  every reader page's key.
- Keys carry the release (the cache's `VERSION`, alphacode.release), so a deploy never reads
  what older code wrote, except stamps (`stamp_key`), which every release shares
  (`make_key`): a change made by a process of one release retires what processes of the
  other cached, while a deploy rolls out.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from typing import Any, NamedTuple

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django_redis.cache import RedisCache

_batch: ContextVar[dict[str, Any] | None] = ContextVar("alphacode_cache_batch", default=None)
_MISSING = object()

# The first part of every stamp's key: see make_key.
STAMP_PREFIX = "stamp:"


def make_key(key: str, key_prefix: str, version: object) -> str:
    """The cache's KEY_FUNCTION (settings.CACHES): Django's key (prefix, version, key), but a
    stamp's key has no version, so every release reads and renews the same stamps."""
    if key.startswith(STAMP_PREFIX):
        return f"{key_prefix}:{key}"
    return f"{key_prefix}:{version}:{key}"


def stamp_key(name: str, owner: object = "") -> str:
    """The key of a stamp: `name` says what it stamps, `owner` whose (a user id), if anyone's."""
    return f"{STAMP_PREFIX}{name}:{owner}"


def _forget(keys: Iterable[str]) -> None:
    batch = _batch.get()
    if batch:
        for key in keys:
            batch.pop(key, None)


class FastRedisCache(RedisCache):
    """django-redis with the per-request batch: `prefetch` reads many keys in one MGET, `get`
    answers from the batch, and every write drops its keys from the batch first."""

    def prefetch(self, keys: list[str]) -> None:
        batch = _batch.get()
        if batch is not None:
            found = self.get_many(keys)
            # Misses are kept too: a key known to be absent is not asked for again.
            batch.update({key: found.get(key, _MISSING) for key in keys})

    def get(
        self, key: str, default: Any = None, version: int | None = None, client: Any = None
    ) -> Any:
        batch = _batch.get()
        if batch is None or version is not None or client is not None:
            return super().get(key, default, version, client)
        value = batch.get(key, _MISSING)
        if value is _MISSING and key not in batch:
            value = batch[key] = super().get(key, _MISSING)
        return default if value is _MISSING else value

    def set(self, key: str, *args: Any, **kwargs: Any) -> None:
        _forget([key])
        super().set(key, *args, **kwargs)

    def add(self, key: str, *args: Any, **kwargs: Any) -> bool:
        _forget([key])
        return super().add(key, *args, **kwargs)

    def delete(self, key: str, *args: Any, **kwargs: Any) -> bool:
        _forget([key])
        return super().delete(key, *args, **kwargs)

    def incr(self, key: str, *args: Any, **kwargs: Any) -> int:
        _forget([key])
        return super().incr(key, *args, **kwargs)

    def decr(self, key: str, *args: Any, **kwargs: Any) -> int:
        _forget([key])
        return super().decr(key, *args, **kwargs)

    def set_many(self, data: dict[str, Any], *args: Any, **kwargs: Any) -> list:
        _forget(data)
        return super().set_many(data, *args, **kwargs)

    def delete_many(self, keys: Iterable[str], *args: Any, **kwargs: Any) -> None:
        keys = list(keys)
        _forget(keys)
        super().delete_many(keys, *args, **kwargs)

    def clear(self) -> None:
        batch = _batch.get()
        if batch:
            batch.clear()
        super().clear()


def prefetch(keys: list[str]) -> None:
    """Fetch these keys in one round trip for the rest of this request (a no-op on caches
    without batching, such as the embedded defaults' local memory)."""
    fetch = getattr(cache, "prefetch", None)
    if fetch is not None:
        fetch(keys)


class Stamped(NamedTuple):
    """A cached value and the stamp its owner had before the value was read."""

    stamp: int | None
    value: Any


# Far longer than any stamped entry lives (and than any read takes): a stamp that expired could
# otherwise make an entry cached under "no stamp yet" current again.
STAMP_SECONDS = 24 * 60 * 60


def stamped_get(key: str, stamp: str, load: Callable[[], Any], timeout: int) -> Any:
    """The value cached under `key` if it was read under the current stamp; otherwise `load()`,
    cached with the stamp as it was *before* loading (a None from `load` is not kept).

    Deleting a cached value after a change is not enough: a read that began before the change
    committed can write its old value back after the delete. Renewing the stamp instead
    (`restamp`) retires that late write too, since it carries the old stamp. Both keys come in
    the request's one MGET when they are among `per_user_keys`. `stamp` is the stamp's key
    (`stamp_key`)."""
    current = cache.get(stamp)
    entry = cache.get(key)
    if isinstance(entry, Stamped) and entry.stamp == current:
        return entry.value
    value = load()
    if value is not None:
        cache.set(key, Stamped(current, value), timeout)
    return value


def new_stamp() -> int:
    """A stamp: a random number (an integer, which the Redis backend stores as digits and reads
    back without unpickling, on every page that reads it)."""
    return secrets.randbits(62)


def current_stamp(key: str) -> str:
    """The stamp under `key`, made now if there is none (for a stamp that is part of other
    keys, such as the content stamp)."""
    stamp = cache.get(key)
    if stamp is None:
        cache.add(key, new_stamp(), STAMP_SECONDS)
        stamp = cache.get(key)
    return str(stamp)


def restamp(key: str) -> None:
    """Retire every value cached under this stamp: now, and again once the current transaction
    commits (a read in between still sees the old rows)."""

    def renew() -> None:
        cache.set(key, new_stamp(), STAMP_SECONDS)

    renew()
    if transaction.get_connection().in_atomic_block:
        # Best effort after the commit: the change is committed whatever Redis says now, and
        # the renewal made before the commit already retired every entry read before it.
        transaction.on_commit(renew, robust=True)


# Names the signed-in user's id, so the first read of a request can fetch the session and that
# user's entries together. Only a hint: the session alone decides who is signed in, and a
# hint that disagrees with it just costs the second round trip it saves.
USER_HINT_COOKIE = "ac_uid"


class RequestCacheMiddleware:
    """Opens the per-request batch and, for a signed-in reader, fills it with what almost every
    page of theirs reads: the session, the user, their access answer, the content version and
    their study state (ticks, finished guides, the guide they opened last),
    in one round trip (two when the user hint cookie is missing or wrong, and then the
    response sets it). Sits after the session middleware, before authentication."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _batch.set({})
        try:
            hint = self._prefetch(request)
            response = self.get_response(request)
            self._keep_hint(request, response, hint)
            return response
        finally:
            _batch.reset(token)

    def _prefetch(self, request: HttpRequest) -> str | None:
        session = getattr(request, "session", None)
        if session is None or not session.session_key:
            return None
        hint = request.COOKIES.get(USER_HINT_COOKIE)
        keys = [session.cache_key] if hasattr(session, "cache_key") else []
        if hint and hint.isdigit():
            keys += per_user_keys(hint)
        prefetch(keys)
        user_id = session.get(SESSION_KEY)
        if user_id is not None and str(user_id) != hint:
            prefetch(per_user_keys(user_id))
        return hint

    def _keep_hint(self, request: HttpRequest, response: HttpResponse, hint: str | None) -> None:
        session = getattr(request, "session", None)
        if session is None:
            return
        user_id = session.get(SESSION_KEY) if session.session_key else None
        if user_id is not None and str(user_id) != hint:
            response.set_cookie(
                USER_HINT_COOKIE,
                str(user_id),
                max_age=settings.SESSION_COOKIE_AGE,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        elif user_id is None and hint is not None:
            response.delete_cookie(USER_HINT_COOKIE, samesite="Lax")


# What each app caches per signed-in user, registered by the app itself (`AppConfig.ready()`),
# so this package names no app. Keyed by app label: registering twice replaces, never doubles.
_per_user_keys: dict[str, Callable[[object], Iterable[str]]] = {}


def register_per_user_keys(app_label: str, keys: Callable[[object], Iterable[str]]) -> None:
    """Have `RequestCacheMiddleware` fetch `keys(user_id)` in the request's one round trip.

    An app calls this from its `AppConfig.ready()` with the keys almost every page of a
    signed-in reader reads (a key shared by every user may be among them)."""
    _per_user_keys[app_label] = keys


def per_user_keys(user_id: object) -> list[str]:
    """Every key the installed apps registered for this user, fetched together per request."""
    return [key for keys in _per_user_keys.values() for key in keys(user_id)]
