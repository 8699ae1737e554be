"""The per-process shell store: values kept as they are (no copy), the least recently used
dropped first past its size, and an entry gone once its time is up."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import time_machine
from django.core.cache import caches
from django.utils import timezone

from pages.store import ProcessCache


def store(max_entries: int = 2) -> ProcessCache:
    # A name of its own: stores of one name share their entries across the process.
    return ProcessCache(f"test-{uuid.uuid4()}", {"OPTIONS": {"MAX_ENTRIES": max_entries}})


def test_a_kept_value_is_the_same_object_not_a_copy() -> None:
    shells = store()
    value = ("<p>", "hole", "</p>")
    shells.set("page", value, 60)
    assert shells.get("page") is value


def test_the_least_recently_used_entry_goes_first() -> None:
    shells = store(max_entries=2)
    shells.set("a", "A", 60)
    shells.set("b", "B", 60)
    assert shells.get("a") == "A"  # now b is the least recently used
    shells.set("c", "C", 60)
    assert shells.get("b") is None
    assert (shells.get("a"), shells.get("c")) == ("A", "C")


def test_an_entry_is_gone_once_its_time_is_up() -> None:
    shells = store()
    with time_machine.travel(timezone.now(), tick=False) as clock:
        shells.set("page", "P", 60)
        clock.shift(59)
        assert shells.get("page") == "P"
        clock.shift(2)
        assert shells.get("page") is None


def test_delete_and_clear_forget_entries() -> None:
    shells = store()
    shells.set("a", "A", 60)
    shells.set("b", "B", 60)
    assert shells.delete("a") is True
    assert shells.get("a") is None
    shells.clear()
    assert shells.get("b") is None


def test_every_thread_of_the_process_sees_the_same_shells() -> None:
    # Django's `caches` gives each thread its own cache object: a shell built while serving
    # one request must still be there for the next request on another thread.
    caches["local"].set("shared-page", "P", 60)
    with ThreadPoolExecutor(max_workers=3) as threads:
        seen = list(threads.map(lambda _: caches["local"].get("shared-page"), range(3)))
    assert seen == ["P", "P", "P"]
