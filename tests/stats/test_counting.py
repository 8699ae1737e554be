"""Guide views and paywall views, counted on real Redis and folded into Postgres by the beat task
on a real Celery worker: the folded rows equal a direct count of the pages served, a fold never
adds a batch twice (one that stopped halfway, or views counted while it runs), and nothing is
counted for staff, robots or subscribers' reading."""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter
from http import HTTPStatus

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone
from django_redis import get_redis_connection

from alphacode.celery import app
from articles.models import Guide
from articles.services import guides_import
from billing.models import Subscription
from stats import counting
from stats.counting import PAYWALL_VIEWS, VIEWS, count, flush, fold, stop_flushing
from stats.figures import guide_rows
from stats.models import FoldedBatch, GuideDay
from stats.tasks import fold_counts

from ..conftest import signed_in, wait_for
from ..factories import UserFactory, make_guide
from ..helpers import VALID

pytestmark = pytest.mark.django_db(transaction=True)


def folded() -> dict[str, tuple[int, int]]:
    """Today's GuideDay rows: guide slug -> (views, paywall views)."""
    return {
        row.guide.slug: (row.views, row.paywall_views)
        for row in GuideDay.objects.filter(day=timezone.now().date()).select_related("guide")
    }


def waiting_in_redis() -> dict[str, int]:
    """Today's counters as they wait in Redis (field -> count)."""
    client = get_redis_connection("default")
    key = counting._day_key(timezone.now().date().isoformat())
    return {k.decode(): int(v) for k, v in client.hgetall(key).items()}


@pytest.fixture
def guides() -> dict[str, Guide]:
    (premium,) = guides_import([("heaps.md", VALID)])
    assert premium.is_premium
    free = make_guide(slug="free-guide", title="A free guide", access="free")
    return {"premium": premium, "free": free}


@pytest.fixture
def subscriber() -> Client:
    user = UserFactory(email="paid@example.com")
    Subscription.objects.create(
        user=user, stripe_subscription_id="sub_paid", stripe_customer_id="cus_paid", status="active"
    )
    return signed_in(user)


def test_views_folded_by_the_beat_task_on_a_worker_equal_a_direct_count(
    guides, subscriber, staff, worker
) -> None:
    premium, free = guides["premium"].get_absolute_url(), guides["free"].get_absolute_url()
    visitor, member = Client(), signed_in(UserFactory(email="member@example.com"))
    served: Counter[tuple[str, str]] = Counter()  # the direct count: (slug, kind) -> pages

    def read(client: Client, url: str, *kinds: str, robot: bool = False) -> None:
        headers = {"User-Agent": "Mozilla/5.0 (compatible; Googlebot/2.1)"} if robot else {}
        response = client.get(url, headers=headers)
        assert response.status_code == HTTPStatus.OK
        paywall = 'id="paywall"' in response.content.decode()
        assert paywall == (PAYWALL_VIEWS in kinds or robot), url
        for kind in kinds:
            served[(url.strip("/").split("/")[-1], kind)] += 1

    for _ in range(5):
        read(visitor, premium, VIEWS, PAYWALL_VIEWS)  # a visitor: a view and the paywall
    for _ in range(3):
        read(visitor, free, VIEWS)  # a free guide has no paywall
    for _ in range(2):
        read(member, premium, PAYWALL_VIEWS)  # a member's view is a Reading; the paywall counts
    read(subscriber, premium)  # a subscriber reads it whole: no paywall, no counted view
    read(signed_in(staff), premium)  # staff are not counted
    read(visitor, premium, robot=True)  # a robot that says so is not counted

    expected = {
        slug: (served[(slug, VIEWS)], served[(slug, PAYWALL_VIEWS)])
        for slug in {slug for slug, _ in served}
    }
    assert expected == {"heaps-for-interviews": (5, 7), "free-guide": (3, 0)}
    # Counted in Redis, not yet in Postgres.
    assert folded() == {}
    guide_id = guides["premium"].pk
    assert waiting_in_redis()[f"{guide_id}:{VIEWS}"] == 5

    fold_counts.delay()  # the beat task, on the worker
    wait_for(lambda: folded() == expected)
    assert waiting_in_redis() == {}
    # More views, and a second fold adds only those.
    read(visitor, free, VIEWS)
    fold_counts.delay()
    wait_for(lambda: folded()["free-guide"] == (4, 0))
    assert folded()["heaps-for-interviews"] == (5, 7)
    # The dashboard's guides table: readers are signed-in readers (the member and the
    # subscriber; staff are not readers) plus visitors' views.
    rows = {row.title: row for row in guide_rows(7)}
    heaps = rows[guides["premium"].title]
    assert (heaps.signed_in_readers, heaps.anonymous_views, heaps.readers) == (2, 5, 7)
    assert heaps.paywall_views == 7


def test_the_beat_schedule_folds_every_minute() -> None:
    schedule = {entry["task"]: entry["schedule"] for entry in app.conf.beat_schedule.values()}
    assert schedule["stats.tasks.fold_counts"] <= 60


def test_views_counted_while_folds_run_are_each_folded_once(guides) -> None:
    guide_id = guides["premium"].pk
    per_thread, threads = 400, 4
    done = threading.Event()

    def views() -> None:
        for n in range(per_thread):
            count(guide_id, view=True, paywall=n % 2 == 0)

    def folds() -> None:
        while not done.is_set():
            fold()
        connection.close()

    folder = threading.Thread(target=folds)
    folder.start()
    viewers = [threading.Thread(target=views) for _ in range(threads)]
    for thread in viewers:
        thread.start()
    for thread in viewers:
        thread.join()
    done.set()
    folder.join()
    fold()
    assert folded() == {"heaps-for-interviews": (per_thread * threads, per_thread * threads // 2)}


def test_a_fold_that_stopped_before_deleting_its_batch_adds_nothing_twice(guides) -> None:
    guide_id = guides["premium"].pk
    for _ in range(3):
        count(guide_id, view=True, paywall=True)
    fields = waiting_in_redis()
    assert fold() == 6
    (batch,) = FoldedBatch.objects.values_list("name", flat=True)
    # The state a fold leaves when it stops after its commit and before its clean-up: the batch
    # still in Redis and still pending.
    client = get_redis_connection("default")
    client.hset(counting._batch_key(batch), mapping=fields)
    client.sadd(counting._key("fold-pending"), batch)
    assert fold() == 0
    assert folded() == {"heaps-for-interviews": (3, 3)}
    assert not client.exists(counting._batch_key(batch))
    # A batch that never reached Postgres (it stopped before its commit) is added by the next.
    client.hset(counting._batch_key("2026-11-30:lost"), mapping={f"{guide_id}:{VIEWS}": 2})
    client.sadd(counting._key("fold-pending"), "2026-11-30:lost")
    assert fold() == 2
    assert GuideDay.objects.get(day=dt.date(2026, 11, 30)).views == 2


def test_counts_wait_in_the_process_until_the_flush(guides, settings) -> None:
    """In production a page view touches no Redis: the process's tally is flushed by a thread,
    and at exit."""
    settings.STATS_FLUSH_SECONDS = 3600  # the thread will not flush during this test
    guide_id = guides["premium"].pk
    visitor = Client()
    try:
        for _ in range(4):
            visitor.get(guides["premium"].get_absolute_url())
        assert waiting_in_redis() == {}
        assert flush() == 8  # 4 views, 4 paywalls
        assert waiting_in_redis() == {f"{guide_id}:{VIEWS}": 4, f"{guide_id}:{PAYWALL_VIEWS}": 4}
        visitor.get(guides["premium"].get_absolute_url())
    finally:
        stop_flushing()  # as at exit: the thread stops and what is left is flushed
    assert waiting_in_redis() == {f"{guide_id}:{VIEWS}": 5, f"{guide_id}:{PAYWALL_VIEWS}": 5}
    assert fold() == 10
    assert folded() == {"heaps-for-interviews": (5, 5)}


def test_a_guide_deleted_before_the_fold_is_left_out(guides) -> None:
    count(guides["free"].pk, view=True, paywall=False)
    count(guides["premium"].pk, view=True, paywall=False)
    guides["free"].delete()
    assert fold() == 2
    assert folded() == {"heaps-for-interviews": (1, 0)}


def test_without_redis_views_go_straight_to_postgres(guides, settings) -> None:
    """The embedded defaults have no Redis: each view is added to its GuideDay row at once."""
    settings.REDIS_URL = ""
    Client().get(guides["premium"].get_absolute_url())
    Client().get(guides["free"].get_absolute_url())
    assert folded() == {"heaps-for-interviews": (1, 1), "free-guide": (1, 0)}
    assert fold() == 0
