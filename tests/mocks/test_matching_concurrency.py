"""The matcher with two workers at once, on real Postgres: 200 open requests (seeded at random:
both kinds, three tiers, a few foci, windows over three days, members with a request of each
kind, blocks, some waiting over a day, some put back at the front) matched by two
passes running together, then by two real Celery workers. Whatever they did, every booking keeps
the rules, nobody is booked twice, and once the passes have converged no two requests left open
could still be booked together, which is checked by trying every pair with every quarter hour,
written from DESIGN.md's rules rather than from mocks.matching."""

from __future__ import annotations

import datetime as dt
import itertools
import random
import threading
import time
from dataclasses import dataclass

import pytest
import redis
from django.db import connection
from django.utils import timezone

from accounts.models import User
from billing.models import ComplimentaryAccess
from mocks.matching import match_open_requests
from mocks.models import Block, Booking, MockRequest
from mocks.tasks import match_requests

from ..conftest import wait_for, worker_process

pytestmark = pytest.mark.django_db(transaction=True)

REQUESTS = 200
HOUR = dt.timedelta(hours=1)
BOOKING = dt.timedelta(minutes=95)
NOW = dt.datetime(2026, 12, 7, 12, 5, tzinfo=dt.UTC)


def make_requests(now: dt.datetime, *, earliest: dt.timedelta, seed: int = 23) -> None:
    """REQUESTS open requests from about 150 members; a third of the members have a request of
    each kind, so a careless pass could book one member twice at once; 40 blocks. Windows begin from
    `earliest` on; waits are kept clear of the 24-hour line, so a pass a few seconds later
    judges the tiers the same way."""
    rng = random.Random(seed)
    members = User.objects.bulk_create(
        User(email=f"peer{n}@example.com", password="!") for n in range(150)
    )
    ComplimentaryAccess.objects.bulk_create(
        ComplimentaryAccess(user=member, expires_at=now + dt.timedelta(days=30))
        for member in members
    )
    made = []
    for member in members:
        kinds = ["technical", "system-design"] if rng.random() < 0.35 else [rng.choice(KINDS)]
        for kind in kinds:
            if len(made) == REQUESTS:
                break
            windows = []
            for _ in range(rng.randint(1, 4)):
                start = now + earliest + dt.timedelta(minutes=rng.randrange(0, 3 * 24 * 60, 5))
                windows.append((start, start + dt.timedelta(minutes=rng.randint(95, 300))))
            waited = rng.choice([rng.uniform(0, 20), rng.uniform(26, 60)])
            made.append(
                MockRequest(
                    user=member,
                    kind=kind,
                    tier=rng.choice(["big-tech", "growth", "startup"]),
                    level="mid",
                    focus=rng.choice(
                        ["graphs", "heaps", "Trees "]
                        if kind == "technical"
                        else ["caching", "queues"]
                    ),
                    time_zone="UTC",
                    windows=[[a.isoformat(), b.isoformat()] for a, b in sorted(windows)],
                    created_at=now - waited * HOUR,
                    requeued_at=now - rng.uniform(0, 5) * HOUR if rng.random() < 0.05 else None,
                )
            )
    assert len(made) == REQUESTS
    MockRequest.objects.bulk_create(made)
    for one, other in rng.sample(list(itertools.combinations(members, 2)), 40):
        Block.objects.create(member=one, blocked=other)


KINDS = ["technical", "technical", "system-design"]


# --- The rules, written out again -------------------------------------------------------------


@dataclass
class Seen:
    """What the checks read back: every request, booking and pair kept apart."""

    requests: dict[int, MockRequest]
    bookings: list[Booking]
    members: dict[int, list[int]]  # booking id -> member ids
    apart: set[frozenset[int]]

    @classmethod
    def now(cls) -> Seen:
        bookings = list(Booking.objects.order_by("pk"))
        members: dict[int, list[int]] = {b.pk: [] for b in bookings}
        for booking_id, user_id in Booking.members.through.objects.values_list(
            "booking_id", "user_id"
        ):
            members[booking_id].append(user_id)
        apart = {frozenset(p) for p in Block.objects.values_list("member", "blocked")}
        return cls(MockRequest.objects.in_bulk(), bookings, members, apart)

    def busy(self, member: int) -> list[tuple[dt.datetime, dt.datetime]]:
        return [
            (b.starts_at, b.ends_at)
            for b in self.bookings
            if b.status == "booked" and member in self.members[b.pk]
        ]


def spans(request: MockRequest) -> list[tuple[dt.datetime, dt.datetime]]:
    return [
        (dt.datetime.fromisoformat(a), dt.datetime.fromisoformat(b)) for a, b in request.windows
    ]


def may_meet(one: MockRequest, other: MockRequest, at: dt.datetime, seen: Seen) -> bool:
    """Same kind, two people who have not kept apart, and a tier the rules allow at `at`."""
    return (
        one.kind == other.kind
        and one.user_id != other.user_id
        and frozenset((one.user_id, other.user_id)) not in seen.apart
        and (one.tier == other.tier or at - min(one.created_at, other.created_at) >= 24 * HOUR)
    )


def free_starts(request: MockRequest, now: dt.datetime, seen: Seen) -> set[dt.datetime]:
    """Every quarter hour at least two hours ahead at which a booking of 95 minutes fits in one
    of the request's windows and its member has no other booking."""
    busy = seen.busy(request.user_id)
    found = set()
    for start, end in spans(request):
        seconds = max(start, now + 2 * HOUR).timestamp()
        moment = dt.datetime.fromtimestamp(-(-seconds // 900) * 900, dt.UTC)
        while moment + BOOKING <= end:
            if all(moment + BOOKING <= a or b <= moment for a, b in busy):
                found.add(moment)
            moment += dt.timedelta(minutes=15)
    return found


def assert_every_booking_keeps_the_rules(seen: Seen) -> None:
    booked = [r for b in seen.bookings for r in (b.first_id, b.second_id)]
    assert len(booked) == len(set(booked)), "a request in two bookings"
    assert set(booked) == {pk for pk, r in seen.requests.items() if r.status == "matched"}
    for booking in seen.bookings:
        first, second = seen.requests[booking.first_id], seen.requests[booking.second_id]
        assert sorted(seen.members[booking.pk]) == sorted((first.user_id, second.user_id))
        assert first.kind == second.kind == booking.kind
        assert may_meet(first, second, booking.created_at, seen), booking
        assert booking.ends_at - booking.starts_at == BOOKING
        assert booking.starts_at >= booking.created_at + 2 * HOUR
        assert (booking.starts_at.minute % 15, booking.starts_at.second) == (0, 0)
        assert booking.starts_at.microsecond == 0
        for request in (first, second):
            assert any(a <= booking.starts_at and booking.ends_at <= b for a, b in spans(request))
    for member in {m for ms in seen.members.values() for m in ms}:
        mine = sorted(seen.busy(member))
        for (_, ends), (starts, _) in itertools.pairwise(mine):
            assert ends <= starts, f"member {member} in two bookings at once"


def pairs_left(now: dt.datetime, seen: Seen) -> list[tuple[int, int]]:
    """Two open requests that could still be booked together: every pair, every quarter hour."""
    waiting = [r for r in seen.requests.values() if r.status == "open"]
    starts = {r.pk: free_starts(r, now, seen) for r in waiting}
    return [
        (one.pk, other.pk)
        for one, other in itertools.combinations(waiting, 2)
        if may_meet(one, other, now, seen) and starts[one.pk] & starts[other.pk]
    ]


def converge(now: dt.datetime | None) -> int:
    """Passes one at a time until one books nothing: how many bookings they made."""
    total = 0
    while made := len(match_open_requests(now)):
        total += made
    return total


# --- Two passes at once -----------------------------------------------------------------------


def test_two_passes_at_once_keep_every_rule_and_leave_no_pair_that_could_meet() -> None:
    make_requests(NOW, earliest=HOUR)  # some windows begin within the two hours: cut short
    assert len(pairs_left(NOW, Seen.now())) > REQUESTS  # the check finds pairs when there are
    start = threading.Barrier(2)
    booked = [0, 0]

    def worker(n: int) -> None:
        start.wait()
        try:
            while made := len(match_open_requests(NOW)):
                booked[n] += made
        finally:
            connection.close()

    workers = [threading.Thread(target=worker, args=(n,)) for n in range(2)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join(timeout=300)
    assert all(booked), f"both workers booked: {booked}"
    seen = Seen.now()
    assert_every_booking_keeps_the_rules(seen)
    assert len(seen.bookings) == sum(booked) > REQUESTS // 3
    # Each worker stopped after a pass of its own booked nothing. A pair that pass lost to the
    # other (its rows locked at that moment) is booked by the next pass alone, and then none is
    # left.
    left = pairs_left(NOW, seen)
    more = converge(NOW)
    assert (more == 0) == (left == [])
    assert pairs_left(NOW, Seen.now()) == []
    assert_every_booking_keeps_the_rules(Seen.now())


def test_two_celery_workers_converge_on_the_same_queue(on_broker) -> None:
    now = timezone.now()
    # Windows from 2.5 hours on: the two hours' lead never cuts one while the workers run.
    make_requests(now, earliest=2.5 * HOUR, seed=7)
    queue = redis.Redis.from_url(on_broker.url)
    # The broker is the session's: a test before this one may have left tasks queued or unacked
    # (a worker it killed mid-task), which would keep the queue from ever looking drained.
    queue.flushdb()
    workers = [worker_process(on_broker.url) for _ in range(2)]
    try:
        for _ in range(6):  # three rounds of a pass on each worker at once
            match_requests.delay()
        wait_for(lambda: queue.llen("celery") == 0 and queue.hlen("unacked") == 0, 240)
        time.sleep(1)  # a task between the queue and the unacked list is seen too
        wait_for(lambda: queue.llen("celery") == 0 and queue.hlen("unacked") == 0, 240)
    finally:
        for process in workers:
            process.terminate()
        for process in workers:
            process.wait(timeout=30)
    seen = Seen.now()
    assert len(seen.bookings) > REQUESTS // 3
    assert_every_booking_keeps_the_rules(seen)
    # The workers' passes ran two at a time; one more pass alone finds nothing left to book.
    later = timezone.now()
    assert converge(later) == 0
    assert pairs_left(later, Seen.now()) == []
