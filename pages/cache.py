"""The reader pages' cache: what is kept, under which key, for how long, and what retires it.

A view says which page it wants (`HOME`, `LISTING`, `SEARCH`, `GUIDE_SHELL`, `GUIDE_PAGE`,
`GUIDE_BODY`), the parts of its key that are the view's business (a page number, a query's
digest, the kind of reader) and how to build the page; this module adds the rest of the key
and keeps what was built:

    shell = HOME.kept((kind,), build)

**Where.** A shell (pages.shells) is kept in this process (`caches["local"]`, pages.store),
served as it is, without unpickling; what every process can use again (a guide's rendered
parts, its body) is kept in Redis (`caches["default"]`).

**Versions.** Three things are in a key, so a change never has to find and delete what it
made stale (it simply stops being asked for):

- the release, in every Redis key (the cache's `VERSION`, alphacode.release): a deploy never
  reads what older code wrote;
- the content stamp (`content_version`), in every page's key: every committed change to content
  renews it (`content_changed`), and a page built from rows read before the change lands under
  the old stamp, which nobody asks for any more (the stamp is read before the rows);
- a guide's own version, in its body's key (`GUIDE_BODY`): an edit renders that guide's body
  again, and no other.

**Invalidation.** `content_changed()` is the one hook: the content app calls it on every write
(articles.receivers, and its services for what goes through `update()`), from the admin, a
shell, a command or an import alike, and it renews the stamp once the write commits. The
content stamp is an `alphacode.cache` stamp, the same answer to "a read that raced a write" as
a cached user or a reader's study state, and like every stamp it is shared by every release,
so an edit made while a deploy rolls out retires the pages of both.

**Lifetimes** only bound what no hook can see: a change made outside the application (raw
SQL), and a scheduled guide, which appears on the listings within `LISTING`'s minute of its
publish time (a guide page that is not public yet is never kept, so it appears on time).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.core.cache import cache, caches
from django.db import transaction

from alphacode.cache import current_stamp, restamp, stamp_key

CONTENT_STAMP = stamp_key("content")


def content_version() -> str:
    """The content stamp: it changes whenever published content may have changed. Read once per
    request (alphacode.cache keeps what a request read), with a signed-in reader's keys."""
    return current_stamp(CONTENT_STAMP)


def content_changed() -> None:
    """Retire every cached page (a guide's body goes with its own version) once the current
    transaction commits, or now outside one. Not before: a page is keyed by the stamp read before
    its rows, so a page built from the old rows is filed under the old stamp either way, and a
    change that is rolled back (the Markdown editor's preview) retires nothing. `robust`: the
    change is committed whatever Redis says; pages then show it as their entries expire."""
    transaction.on_commit(lambda: restamp(CONTENT_STAMP), robust=True)


@dataclass(frozen=True)
class Kept:
    """One kind of cached page or page part."""

    name: str
    seconds: int
    shared: bool = False  # kept in Redis for every process, or in this process only
    # Keyed by the content stamp; a guide's body is keyed by the guide's own version instead.
    by_content: bool = True

    def key(self, *parts: object, version: str | None = None) -> str:
        """The key for these parts (under the current content stamp, or `version`)."""
        stamp = [version or content_version()] if self.by_content else []
        return ":".join([self.name, *stamp, *map(str, parts)])

    def kept[T](self, parts: Iterable[object], build: Callable[[], T]) -> T:
        """What is kept under these parts, or `build()`, kept for `seconds`. A None from
        `build` is never kept."""
        store = cache if self.shared else caches["local"]
        key = self.key(*parts)
        value = store.get(key)
        if value is None:
            value = build()
            if value is not None:
                store.set(key, value, self.seconds)
        return value


# Listings: per kind of reader (and page number, track, query digest and audience).
HOME = Kept("home", 60)
LISTING = Kept("listing", 60)
SEARCH = Kept("search", 60)
# A coding pattern's page: per kind of reader and pattern.
PATTERN = Kept("pattern", 60)
# A practice problem's page: its shell per audience and kind of reader (the reader's own code,
# help and solves come from its session endpoint, never from the page).
PROBLEM = Kept("problem", 300)
# A guide page: its shell per audience and kind of reader, in the process; what the shells are
# built from (pages.shells fragments of the head and the article), per audience, in Redis.
GUIDE_SHELL = Kept("guide-shell", 300)
GUIDE_PAGE = Kept("guide-page", 300, shared=True)
# A guide's rendered body per version, access settings and access level: the costly part, kept
# for a day, across edits of other guides.
GUIDE_BODY = Kept("guide-body", 24 * 60 * 60, shared=True, by_content=False)
