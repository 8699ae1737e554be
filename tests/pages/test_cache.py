"""The reader pages' cache (pages.cache) on real Redis: an edit shows at once, whichever release
made it, and a request asks Redis for a key once."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import redis
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory

from accounts.backends import user_cache_key, user_stamp_key
from alphacode.cache import RequestCacheMiddleware, restamp, stamped_get
from articles.models import Guide
from articles.services import guide_refresh
from pages.cache import GUIDE_PAGE, HOME, content_changed, content_version
from tests.factories import make_guide


@contextmanager
def release(name: str) -> Iterator[None]:
    """Run as a process of another release would: every key but a stamp's carries it."""
    kept = cache.version
    cache.version = name
    try:
        yield
    finally:
        cache.version = kept


def test_a_stamp_renewed_by_another_release_retires_this_releases_entry(db) -> None:
    loads: list[str] = []

    def load() -> str:
        loads.append("read")
        return f"row {len(loads)}"

    with release("old"):
        assert stamped_get(user_cache_key(7), user_stamp_key(7), load, 60) == "row 1"
        assert stamped_get(user_cache_key(7), user_stamp_key(7), load, 60) == "row 1"
    with release("new"):
        restamp(user_stamp_key(7))  # the new release's process saves the user
    with release("old"):
        assert stamped_get(user_cache_key(7), user_stamp_key(7), load, 60) == "row 2"


@pytest.mark.django_db
def test_an_edit_made_by_a_process_of_another_release_shows_at_once(
    client: Client, django_capture_on_commit_callbacks
) -> None:
    guide = make_guide(title="Before the deploy", sections=[[("paragraph", "Old words.")]])
    with release("old"):
        assert "Old words." in client.get(guide.get_absolute_url()).content.decode()
    with release("new"), django_capture_on_commit_callbacks(execute=True):
        Guide.objects.filter(pk=guide.pk).update(intro="New words from the new release.")
        guide_refresh(guide=Guide.objects.get(pk=guide.pk))
    with release("old"):
        page = client.get(guide.get_absolute_url()).content.decode()
    assert "New words from the new release." in page


@pytest.mark.django_db
def test_a_page_kept_under_one_content_stamp_is_not_read_under_the_next(
    django_capture_on_commit_callbacks,
) -> None:
    before = content_version()
    assert HOME.kept(("visitor",), lambda: "home before") == "home before"
    assert HOME.kept(("visitor",), lambda: "rebuilt") == "home before"
    with django_capture_on_commit_callbacks(execute=True):
        content_changed()
        assert content_version() == before  # not before the change commits
    assert content_version() != before
    assert HOME.kept(("visitor",), lambda: "home after") == "home after"
    # A shared entry goes to Redis under the stamp, where every process finds it.
    GUIDE_PAGE.kept(("a-guide", "visitor"), lambda: "page")
    assert cache.get(GUIDE_PAGE.key("a-guide", "visitor")) == "page"


def test_a_change_that_is_rolled_back_retires_no_page(db, django_capture_on_commit_callbacks):
    before = content_version()
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        content_changed()
        transaction.set_rollback(True)
    assert content_version() == before


def test_nothing_is_kept_for_a_page_that_could_not_be_built(db) -> None:
    assert HOME.kept(("member",), lambda: None) is None
    assert HOME.kept(("member",), lambda: "built") == "built"


def test_a_request_asks_redis_for_a_key_once_and_reads_its_own_writes(db) -> None:
    cache.set("a-key", 1)
    seen = []

    def view(request: HttpRequest) -> HttpResponse:
        seen.append(cache.get("a-key"))
        other_process_sets("a-key", b"2")
        seen.append(cache.get("a-key"))  # what this request read stays what it reads
        cache.set("a-key", 3)
        seen.append(cache.get("a-key"))  # and its own write is read back
        seen.append(cache.get("absent", "default"))
        return HttpResponse()

    RequestCacheMiddleware(view)(RequestFactory().get("/"))
    assert seen == [1, 1, 3, "default"]
    other_process_sets("a-key", b"4")
    assert cache.get("a-key") == 4  # outside a request, nothing is kept


def other_process_sets(key: str, value: bytes) -> None:
    # Integers are stored as plain digits.
    other = redis.Redis.from_url(settings.REDIS_URL)
    other.set(cache.make_key(key), value)
    other.close()
