"""The matcher at scale (bench/matcher.sh runs it with the bench environment of common.sh):

python bench/matcher.py seed N NOW            -> N open mock requests, as members make them
python bench/matcher.py pass MODULE NOW FILE  -> one matching pass by MODULE (a path to a
                                                 matching.py, or "mocks.matching"); prints its
                                                 seconds: all, outside _book and in _book;
                                                 the bookings and the requests matched; writes
                                                 each booking (two request ids, start) to FILE

The requests are a realistic mix, seeded so that every run makes the same ones: both kinds
(technical two in three), three tiers, twelve foci per kind, members in seven time zones (one
in five with a request of each kind), 1-10 windows over the next 14 days entered on the
member's wall clock between 07:00 and 23:00, each 95 minutes to 4 hours long, and one request in
four waiting more than a day (so any tier may partner it).
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import os
import random
import sys
import time
import zoneinfo
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alphacode.settings")

import django

django.setup()

from accounts.models import User  # noqa: E402
from billing.models import ComplimentaryAccess  # noqa: E402
from mocks.models import Booking, MockRequest  # noqa: E402

ZONES = [
    "America/Los_Angeles",
    "America/New_York",
    "America/Sao_Paulo",
    "Europe/London",
    "Europe/Berlin",
    "Asia/Kolkata",
    "Asia/Tokyo",
]
PATTERNS = [
    "two-pointers",
    "sliding-window",
    "binary-search",
    "graphs",
    "trees",
    "heaps",
    "dynamic-programming",
    "backtracking",
    "intervals",
    "linked-lists",
    "tries",
    "union-find",
]
TOPICS = [
    "caching",
    "queues",
    "sharding",
    "rate-limiting",
    "search",
    "feeds",
    "storage",
    "consistency",
    "payments",
    "chat",
    "video",
    "analytics",
]


def wall_clock_windows(rng: random.Random, zone: str, now: dt.datetime) -> list[list[str]]:
    """1-10 windows on the member's own clock (07:00-23:00), as the request form stores them."""
    tz = zoneinfo.ZoneInfo(zone)
    today = now.astimezone(tz).date()
    spans = []
    for _ in range(rng.randint(1, 10)):
        day = today + dt.timedelta(days=rng.randint(0, 13))
        start = dt.datetime.combine(day, dt.time(rng.randint(7, 20), rng.choice([0, 10, 15, 30])))
        length = dt.timedelta(minutes=rng.randint(95, 240))
        begins = start.replace(tzinfo=tz).astimezone(dt.UTC)
        ends = (start + length).replace(tzinfo=tz).astimezone(dt.UTC)
        if begins >= now and ends <= now + dt.timedelta(days=14):
            spans.append((begins, ends))
    return [[a.isoformat(), b.isoformat()] for a, b in sorted(spans)]


def seed(count: int, now: dt.datetime) -> None:
    rng = random.Random(23)
    members = User.objects.bulk_create(
        User(email=f"mock{n:05}@example.com", password="!") for n in range(count)
    )
    # Members with premium access: the matcher books no one else.
    ComplimentaryAccess.objects.bulk_create(
        ComplimentaryAccess(user=member, expires_at=now + dt.timedelta(days=30))
        for member in members
    )
    made: list[MockRequest] = []
    for member in members:
        if len(made) == count:
            break
        zone = rng.choice(ZONES)
        kinds = ["technical", "system-design"] if rng.random() < 0.2 else []
        kinds = kinds or [rng.choice(["technical", "technical", "system-design"])]
        for kind in kinds:
            windows = wall_clock_windows(rng, zone, now)
            if not windows or len(made) == count:
                continue
            waited = dt.timedelta(hours=rng.uniform(24, 96) if rng.random() < 0.25 else 0)
            waited += dt.timedelta(minutes=rng.randint(1, 23 * 60))
            made.append(
                MockRequest(
                    user=member,
                    kind=kind,
                    tier=rng.choice(["big-tech", "growth", "startup"]),
                    level=rng.choice(["entry", "mid", "senior", "staff"]),
                    focus=rng.choice(PATTERNS if kind == "technical" else TOPICS),
                    time_zone=zone,
                    windows=windows,
                    created_at=now - waited,
                )
            )
    MockRequest.objects.bulk_create(made)
    technical = sum(r.kind == "technical" for r in made)
    waiting = sum(now - r.created_at >= dt.timedelta(hours=24) for r in made)
    print(
        f"{len(made)} open requests ({technical} technical) from "
        f"{len({r.user_id for r in made})} members, "
        f"{sum(len(r.windows) for r in made)} windows, {waiting} waiting over a day"
    )


def one_pass(module: str, now: dt.datetime, out: str) -> None:
    if module.endswith(".py"):
        spec = importlib.util.spec_from_file_location("matching_before", module)
        assert spec
        assert spec.loader
        matching = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(matching)
    else:
        matching = importlib.import_module(module)
    # The time spent booking (each pair's transaction, its rounds included), apart from the
    # time spent choosing whom to book: both versions book through _book.
    booking = [0.0]
    book = matching._book

    def timed_book(*args: object) -> object:
        started = time.perf_counter()
        try:
            return book(*args)
        finally:
            booking[0] += time.perf_counter() - started

    matching._book = timed_book
    started = time.perf_counter()
    booked = matching.match_open_requests(now)
    seconds = time.perf_counter() - started
    rows = sorted(Booking.objects.values_list("first_id", "second_id", "starts_at").order_by("pk"))
    with open(out, "w") as file:
        for first, second, starts_at in rows:
            file.write(f"{first} {second} {starts_at.isoformat()}\n")
    matched = MockRequest.objects.filter(status="matched").count()
    print(f"{seconds:.2f} {seconds - booking[0]:.2f} {booking[0]:.2f} {len(booked)} {matched}")


if __name__ == "__main__":
    command = sys.argv[1]
    if command == "seed":
        seed(int(sys.argv[2]), dt.datetime.fromisoformat(sys.argv[3]))
    elif command == "pass":
        one_pass(sys.argv[2], dt.datetime.fromisoformat(sys.argv[3]), sys.argv[4])
    else:
        sys.exit(__doc__)
