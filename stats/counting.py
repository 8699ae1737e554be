"""Guide page views and paywall views, counted without slowing the guide page.

What is counted, per guide and day (UTC), and nothing else: a view of the guide page by a visitor
who is not signed in (`views`), and a view that showed the paywall, a visitor's or a member's
(`paywall_views`). Not counted: signed-in readers' views (their own Reading rows count them as
distinct readers), staff, HEAD requests, and user agents that say they are robots. No cookie is
set, no address or user agent is stored, and no visitor is named: a count is a number per guide
and day.

How, in three steps, so a page view costs an append to a deque and no round trip:

1. `count` appends to this process's deque of views (no lock, no round trip).
2. `flush` sends the tally to Redis in one transaction: `HINCRBY` into a hash per day
   (`stats:count:DAY`, fields `GUIDE:views` and `GUIDE:paywall_views`) and the day into the set
   of days waiting (`stats:count-days`). A thread flushes every `STATS_FLUSH_SECONDS`, and
   `stop_flushing` once more at exit; with 0 (the tests), `count` flushes at once. A process
   killed outright (SIGKILL, out of memory) loses what it had not flushed.
3. `fold` (the beat task `stats.tasks.fold_counts`, every minute) moves each waiting day's hash
   out of the way (`RENAME` to a batch key, in one transaction with recording the batch as
   pending), adds the batch into Postgres (`GuideDay`) and records it (`FoldedBatch`) in one
   database transaction, then deletes the batch key. A fold that stops anywhere is finished by
   the next one without adding a batch twice: views counted while a fold runs go to a new hash.

Without Redis (the embedded defaults) `count` adds straight into `GuideDay`.
"""

from __future__ import annotations

import atexit
import datetime as dt
import logging
import os
import re
import threading
import time
import uuid
from collections import Counter, deque
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.http import HttpRequest
from django.utils import timezone
from redis.exceptions import ResponseError

from .models import FoldedBatch, GuideDay

logger = logging.getLogger(__name__)

VIEWS = "views"
PAYWALL_VIEWS = "paywall_views"
KINDS = (VIEWS, PAYWALL_VIEWS)
# Robots that say so in their user agent (search engines, link previews, monitors), searched for
# in the agent in lower case: eight times cheaper than the same pattern ignoring case.
ROBOTS = re.compile(r"bot|crawler|spider|slurp|facebookexternalhit|embedly|preview")
# Batches are kept in FoldedBatch this long: far longer than a batch key can wait in Redis.
FOLDED_DAYS = 30

# (day, guide id, kind) -> views
Tally = Counter[tuple[str, int, str]]


# Not the release (the cache's default version): counts flushed by the processes of one release
# are folded by the beat of the next. 1, Django's default, so counts flushed before releases
# versioned the cache are folded too.
COUNTS_VERSION = 1


def _key(name: str) -> str:
    """A Redis key under the cache's prefix (each test process has its own)."""
    return cache.make_key(f"stats:{name}", version=COUNTS_VERSION)


def _day_key(day: str) -> str:
    return _key(f"count:{day}")


def _batch_key(batch: str) -> str:
    return _key(f"fold:{batch}")


def _redis() -> Any:
    from django_redis import get_redis_connection

    return get_redis_connection("default")


class _Counts:
    """This process's counts: views waiting (a deque, which threads append to without a lock),
    counts a failed flush kept, and the thread that flushes them (started at the first count,
    stopped by `stop_flushing`)."""

    def __init__(self) -> None:
        self.waiting: deque[tuple[str, int, str]] = deque()
        self.lock = threading.Lock()  # for `kept` and starting the thread
        self.kept: Tally = Counter()
        self.flusher: threading.Thread | None = None
        self.stop = threading.Event()


_counts = _Counts()


def _forked() -> None:
    """A forked process starts with no counts and no thread of its own."""
    global _counts
    _counts = _Counts()


os.register_at_fork(after_in_child=_forked)


def _flush_seconds() -> float:
    return float(settings.STATS_FLUSH_SECONDS) if settings.REDIS_URL else 0.0


_day: tuple[int, str] = (-1, "")


def _today() -> str:
    """Today's date (UTC) as text, worked out again only when the day changes."""
    global _day
    number = int(time.time() // 86400)  # days since the epoch, in UTC
    if number != _day[0]:
        _day = (number, (dt.date(1970, 1, 1) + dt.timedelta(days=number)).isoformat())
    return _day[1]


def counted(request: HttpRequest) -> bool:
    """Whether this request is one the dashboard counts (a GET by no robot that says so)."""
    # META, not request.headers: building the headers' mapping costs more than all the rest.
    agent = request.META.get("HTTP_USER_AGENT", "")
    return request.method == "GET" and ROBOTS.search(agent.lower()) is None


def count(guide_id: int, *, view: bool, paywall: bool) -> None:
    """Count a view of this guide's page (`view`: a visitor's) and its paywall shown: an append
    to this process's deque, a few microseconds."""
    if not (view or paywall):
        return
    day = _today()
    if view:
        _counts.waiting.append((day, guide_id, VIEWS))
    if paywall:
        _counts.waiting.append((day, guide_id, PAYWALL_VIEWS))
    if _counts.flusher is None:  # while the thread runs, it flushes
        seconds = _flush_seconds()
        if seconds <= 0:
            flush()
        else:
            _start_flusher(seconds)


def _start_flusher(seconds: float) -> None:
    with _counts.lock:
        if _counts.flusher is not None:
            return
        _counts.flusher = threading.Thread(
            target=_flush_every, args=(seconds, _counts.stop), name="stats-flush", daemon=True
        )
        _counts.flusher.start()


def _flush_every(seconds: float, stop: threading.Event) -> None:
    while not stop.wait(seconds):
        flush()


def stop_flushing() -> None:
    """Stop the flushing thread (letting a flush it has begun finish) and flush what is left: at
    exit, so a process stopped as a deploy stops it (SIGTERM) loses no count."""
    flusher = _counts.flusher
    _counts.stop.set()
    if flusher is not None and flusher is not threading.current_thread():
        flusher.join(timeout=10)
    with _counts.lock:
        _counts.flusher, _counts.stop = None, threading.Event()
    flush()


atexit.register(stop_flushing)


def flush() -> int:
    """Send this process's tally on (to Redis, or without Redis to GuideDay); how many views.
    If the send fails, the tally is kept for the next flush (so a send Redis applied but whose
    answer was lost on the way back would be counted twice: a dropped connection at that very
    moment, which we accept rather than drop counts on every failed send)."""
    with _counts.lock:
        tally, _counts.kept = _counts.kept, Counter()
    waiting = _counts.waiting
    while True:  # popleft is atomic: a view appended meanwhile is taken now or next time
        try:
            tally[waiting.popleft()] += 1
        except IndexError:
            break
    if not tally:
        return 0
    try:
        if settings.REDIS_URL:
            _to_redis(tally)
        else:
            _add_to_days(tally)
    except Exception:
        logger.warning("guide view counts not flushed; kept for the next flush", exc_info=True)
        with _counts.lock:
            _counts.kept.update(tally)
        return 0
    return sum(tally.values())


def _to_redis(tally: Tally) -> None:
    pipe = _redis().pipeline(transaction=True)
    for (day, guide_id, kind), n in tally.items():
        pipe.hincrby(_day_key(day), f"{guide_id}:{kind}", n)
    pipe.sadd(_key("count-days"), *{day for day, _, _ in tally})
    pipe.execute()


def _add_to_days(tally: Mapping[tuple[str, int, str], int]) -> None:
    """Add these counts to the GuideDay rows (made when missing), in one statement per row, for
    guides that still exist."""
    from articles.models import Guide

    rows: dict[tuple[int, str], dict[str, int]] = {}
    for (day, guide_id, kind), n in tally.items():
        if kind in KINDS and n > 0:
            rows.setdefault((guide_id, day), dict.fromkeys(KINDS, 0))[kind] += n
    existing = set(
        Guide.objects.filter(pk__in={guide for guide, _ in rows}).values_list("pk", flat=True)
    )
    table = GuideDay._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(
            f"""
            INSERT INTO {table} (guide_id, day, views, paywall_views) VALUES (%s, %s, %s, %s)
            ON CONFLICT (guide_id, day) DO UPDATE SET
              views = {table}.views + EXCLUDED.views,
              paywall_views = {table}.paywall_views + EXCLUDED.paywall_views
            """,
            [
                (guide, dt.date.fromisoformat(day), n[VIEWS], n[PAYWALL_VIEWS])
                for (guide, day), n in sorted(rows.items())
                if guide in existing
            ],
        )


def fold() -> int:
    """Move the counts waiting in Redis into GuideDay, each batch exactly once; how many views
    were added."""
    flush()  # this process's own tally first
    if not settings.REDIS_URL:
        return 0
    client = _redis()
    days_key, pending_key = _key("count-days"), _key("fold-pending")
    for raw_day in client.smembers(days_key):
        day = raw_day.decode()
        batch = f"{day}:{uuid.uuid4().hex}"
        pipe = client.pipeline(transaction=True)
        pipe.srem(days_key, day)
        pipe.sadd(pending_key, batch)
        pipe.rename(_day_key(day), _batch_key(batch))
        for result in pipe.execute(raise_on_error=False):
            # No hash for the day (another fold took it): an empty batch. Any other error stops
            # the fold; what it moved already is finished by the next one.
            if isinstance(result, ResponseError) and "no such key" not in str(result).lower():
                raise result
    added = 0
    for raw_batch in client.smembers(pending_key):
        batch = raw_batch.decode()
        day = batch.split(":", 1)[0]
        tally: Tally = Counter()
        for field, value in client.hgetall(_batch_key(batch)).items():
            guide_id, kind = field.decode().split(":", 1)
            tally[(day, int(guide_id), kind)] += int(value)
        with transaction.atomic():
            _, new = FoldedBatch.objects.get_or_create(name=batch)
            if new and tally:
                _add_to_days(tally)
                added += sum(tally.values())
        client.delete(_batch_key(batch))
        client.srem(pending_key, batch)
    FoldedBatch.objects.filter(
        folded_at__lt=timezone.now() - dt.timedelta(days=FOLDED_DAYS)
    ).delete()
    return added
