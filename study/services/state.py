"""A reader's cached state: their ticks and finished guides, cached together under one key per
user (fetched with the session in the request's single Redis round trip) as a stamped entry
(alphacode.cache: every change renews the reader's stamp, so a state read before a change is
never used after it); and opening a guide, which records the visit and returns that state in one
statement on Postgres."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from accounts.models import User
from alphacode.cache import Stamped, restamp, stamp_key, stamped_get

from ..models import Reading, Tick

STATE_SECONDS = 60 * 60
READING_SECONDS = 60 * 60


def state_key(user_id: object) -> str:
    return f"study-state:{user_id}"


def reading_key(user_id: object) -> str:
    return f"study-reading:{user_id}"


def state_stamp_key(user_id: object) -> str:
    return stamp_key("study-state", user_id)


@dataclass(frozen=True)
class ReaderState:
    ticks: frozenset[int]
    finished: frozenset[int]


def load_state(user_id: int) -> ReaderState:
    """The state read from the database, bypassing the cache."""
    ticks = Tick.objects.filter(user_id=user_id).values_list("item_id", flat=True)
    finished = Reading.objects.filter(user_id=user_id, finished_at__isnull=False)
    return ReaderState(frozenset(ticks), frozenset(finished.values_list("guide_id", flat=True)))


def _cached_state(user_id: int) -> ReaderState | None:
    """The cached state, unless the reader's stamp was renewed since its rows were read."""
    entry = cache.get(state_key(user_id))
    stamp = cache.get(state_stamp_key(user_id))
    return entry.value if isinstance(entry, Stamped) and entry.stamp == stamp else None


def reader_state(user: User) -> ReaderState:
    return stamped_get(
        state_key(user.pk), state_stamp_key(user.pk), lambda: load_state(user.pk), STATE_SECONDS
    )


def forget_state(user_id: int) -> None:
    """Retire the reader's cached state now and again once the change is committed, so no state
    read before the commit is used again."""
    restamp(state_stamp_key(user_id))


def forget_opened(user_id: int) -> None:
    """Forget which guide the reader opened last, so the next open records the visit again."""
    cache.delete(reading_key(user_id))


def open_guide(user: User, guide_id: int, *, paywall: bool = False) -> ReaderState:
    """Record that the reader opened this guide (and, with `paywall`, saw its paywall) and return
    their state. The upsert is skipped while this is what they opened last; when both the
    upsert and the state are needed, Postgres does both in one statement. At most one query in
    every case."""
    # What was recorded last: the guide, and whether with its paywall (a reader who has just
    # lost access sees the paywall of the guide they were reading: that is recorded).
    opened = (guide_id, paywall)
    opened_before = cache.get(reading_key(user.pk)) == opened
    state = _cached_state(user.pk)
    if opened_before and state is not None:
        return state
    now = timezone.now()
    if not opened_before:
        seen = now if paywall else None
        if state is None and connection.vendor == "postgresql":
            # The stamp as it was before the rows are read, as stamped_get keeps it.
            stamp = cache.get(state_stamp_key(user.pk))
            state = _open_and_load(user.pk, guide_id, now, seen)
            cache.set(state_key(user.pk), Stamped(stamp, state), STATE_SECONDS)
        else:
            Reading.objects.bulk_create(
                [
                    Reading(
                        user=user,
                        guide_id=guide_id,
                        started_at=now,
                        opened_at=now,
                        paywall_seen_at=seen,
                    )
                ],
                update_conflicts=True,
                unique_fields=["user", "guide"],
                update_fields=["opened_at", "paywall_seen_at"] if paywall else ["opened_at"],
            )
        cache.set(reading_key(user.pk), opened, READING_SECONDS)
    return state if state is not None else reader_state(user)


def _open_and_load(
    user_id: int, guide_id: int, now: dt.datetime, paywall_seen_at: dt.datetime | None
) -> ReaderState:
    """The Reading upsert and the state's read in one Postgres statement (a data-modifying
    CTE): the guide page's only query for a reader whose state is not cached."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH opened AS (
              INSERT INTO {Reading._meta.db_table}
                (user_id, guide_id, started_at, opened_at, section, paywall_seen_at)
              VALUES (%s, %s, %s, %s, '', %s)
              ON CONFLICT (user_id, guide_id) DO UPDATE SET
                opened_at = EXCLUDED.opened_at,
                paywall_seen_at = COALESCE(
                  EXCLUDED.paywall_seen_at, {Reading._meta.db_table}.paywall_seen_at
                )
            )
            SELECT item_id, NULL FROM {Tick._meta.db_table} WHERE user_id = %s
            UNION ALL
            SELECT NULL, guide_id FROM {Reading._meta.db_table}
              WHERE user_id = %s AND finished_at IS NOT NULL
            """,
            [user_id, guide_id, now, now, paywall_seen_at, user_id, user_id],
        )
        rows = cursor.fetchall()
    return ReaderState(
        frozenset(item for item, _ in rows if item is not None),
        frozenset(guide for _, guide in rows if guide is not None),
    )
