"""What every item edited as one Markdown document shares (a guide, a problem): its revisions
(articles.models.Revision), numbered per item and stored only when the text changed; the
stale-edit rule (a save based on a revision that is no longer the latest is refused, so no
editor's save undoes another's); and the diff between two revisions' texts.

The item is any model; its revisions are a manager of a Revision model (`guide.revisions`,
`problem.revisions`). Each function locks the item's row first, so two saves of one item take
their turns and their numbers run 1, 2, 3..."""

from __future__ import annotations

import difflib
from collections.abc import Callable

from django.db import models, transaction

from accounts.models import User

from .models import Revision


class StaleEdit(Exception):
    """Another save reached the item after the editor opened it."""

    def __init__(self, latest: Revision) -> None:
        self.latest = latest
        super().__init__(f"revision {latest.number} was saved since this text was opened")


def item_lock(item: models.Model) -> None:
    """Lock the item's row until the transaction ends."""
    type(item)._default_manager.select_for_update().filter(pk=item.pk).first()


@transaction.atomic
def revision_store[R: Revision](
    item: models.Model,
    revisions: models.Manager[R],
    *,
    markdown: str,
    author: User | None,
    source: str,
    note: str = "",
) -> R | None:
    """Store this text as the item's next revision unless its last revision already holds
    exactly this text; the new revision, or None."""
    item_lock(item)
    last = revisions.order_by("-number").first()
    if last is not None and last.markdown == markdown:
        return None
    return revisions.create(
        number=(last.number if last else 0) + 1,
        markdown=markdown,
        source=source,
        author=author if author is not None and author.pk else None,
        note=note,
    )


def revision_latest[R: Revision](
    item: models.Model,
    revisions: models.Manager[R],
    markdown: Callable[[], str],
    *,
    source: str = Revision.Source.FORM,
) -> R:
    """The item's latest revision; an item that has none yet (made before revisions were kept)
    gets its first now, from `markdown()`, what is stored."""
    latest = revisions.order_by("-number").first()
    if latest is None:
        latest = revision_store(item, revisions, markdown=markdown(), author=None, source=source)
        assert latest is not None  # an item without revisions always gets one
    return latest


def revision_since[R: Revision](
    item: models.Model,
    revisions: models.Manager[R],
    markdown: Callable[[], str],
    base: int | None,
    *,
    source: str = Revision.Source.FORM,
) -> R | None:
    """Lock the item's row (until the transaction ends) and return its latest revision when it
    is not `base`, the revision an editor opened: another save reached the item since. None
    when none did, or when no base is known."""
    item_lock(item)
    latest = revision_latest(item, revisions, markdown, source=source)
    return latest if base is not None and latest.number != base else None


def revision_diff(old: str, new: str) -> list[tuple[str, str]]:
    """The lines that differ between two texts, with three lines of context: (kind, line),
    kind being "hunk", "add", "remove" or "same"."""
    lines: list[tuple[str, str]] = []
    diff = difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm="", n=3)
    for line in list(diff)[2:]:  # the two file header lines
        if line.startswith("@@"):
            lines.append(("hunk", line))
        elif line.startswith("+"):
            lines.append(("add", line[1:]))
        elif line.startswith("-"):
            lines.append(("remove", line[1:]))
        else:
            lines.append(("same", line[1:]))
    return lines
