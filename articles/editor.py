"""The Markdown editor's work, for the admin's "Edit as Markdown" page: the whole guide as one
document, checked by line, previewed without saving, saved as a revision (refused when another
editor saved since it was opened), images uploaded beside it, revisions restored and compared."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from django.db import transaction

from accounts.models import User

from .axes import unknown_axes
from .blocks.image import alt_markdown
from .images import ImageError, image_name, image_store, prepare_image
from .markdown import GuideData, GuideFormatError, parse_guide
from .models import Guide, GuideImage, GuideRevision, Track
from .revisions import StaleEdit, revision_diff, revision_latest, revision_since
from .services import (
    GuideImportError,
    guide_markdown,
    guide_upsert,
    known_patterns,
    unknown_patterns,
)

# The stale-edit rule and the diff are every Markdown editor's (articles.revisions).
__all__ = ["StaleEdit", "revision_diff"]

EDITOR_SOURCE = "guide.md"


@dataclass
class Checked:
    """The editor's text read as a guide: the data and its stored images, or the errors."""

    data: GuideData | None
    images: dict[str, GuideImage]
    errors: list[str]
    warnings: list[str]


def latest_revision(guide: Guide) -> GuideRevision:
    """The guide's latest revision; a guide that has none yet (made before revisions were
    kept) gets its first now, from what is stored."""
    return revision_latest(guide, guide.revisions, lambda: guide_markdown(guide=guide))


def saved_since(guide: Guide, base: int | None) -> GuideRevision | None:
    """Lock the guide's row (until the transaction ends) and return its latest revision when it
    is not `base`, the revision an editor opened: another save reached the guide since. None
    when none did, or when no base is known."""
    return revision_since(guide, guide.revisions, lambda: guide_markdown(guide=guide), base)


def editor_check(guide: Guide, text: str, *, restoring: bool = False) -> Checked:
    """Read the text as this guide (errors by line, nothing saved). Images are the guide's own
    uploads, named in the text as `images/<name>`; its slug must stay the guide's. The track
    must exist: the editor never creates or renames one (a typo in `track:` would otherwise
    publish a new, empty track). Revisions saved before that rule carry `track_title`, which a
    restore ignores."""

    def check(values: dict[str, Any]) -> list[tuple[str, str]]:
        wrong: list[tuple[str, str]] = []
        if values.get("track_title") and not restoring:
            wrong.append(
                (
                    "track_title",
                    "'track_title' would create or rename a track, which the editor does not "
                    "do: add or rename tracks in the admin (Tracks), and name the track here by "
                    "its slug",
                )
            )
        track = values.get("track")
        if track and not Track.objects.filter(slug=track).exists():
            tracks = Track.objects.order_by("position", "pk").values_list("slug", flat=True)
            wrong.append(
                (
                    "track",
                    f"unknown track '{track}' (the tracks are: {', '.join(tracks)}); a new "
                    "track is added in the admin (Tracks) first",
                )
            )
        if problem := unknown_patterns(values.get("patterns", []), known_patterns()):
            wrong.append(("patterns", problem))
        if problem := unknown_axes(values.get("axes", [])):
            wrong.append(("axes", problem))
        slug = values.get("slug")
        if slug and slug != guide.slug:
            wrong.append(
                (
                    "slug",
                    f"front matter 'slug': this is the guide '{guide.slug}'; change its address "
                    "in the guide's form, not here",
                )
            )
        return wrong

    try:
        data = parse_guide(text, EDITOR_SOURCE, check=check)
    except GuideFormatError as exc:
        return Checked(None, {}, exc.all_by_line(), [])
    if restoring:
        data = replace(data, track_title="")
    errors: list[str] = []
    uploads = {image.name: image for image in guide.images.all()}
    images: dict[str, GuideImage] = {}
    for section in data.sections:
        for block in section.blocks:
            if not block.src:  # only an image block names a file
                continue
            image = uploads.get(image_name(block.src))
            if image is None:
                errors.append(
                    f"line {block.line}: no image '{image_name(block.src)}' has been uploaded for "
                    "this guide; upload it below"
                )
            else:
                images[block.src] = image
    # A warning names its line as an error does ("line N: what"): the text is one document.
    prefix = f"{EDITOR_SOURCE}:"
    warnings = [
        f"line {warning.removeprefix(prefix)}" if warning.startswith(prefix) else warning
        for warning in data.warnings
    ]
    return Checked(data, images, errors, warnings)


@transaction.atomic
def guide_save_markdown(
    *,
    guide: Guide,
    text: str,
    author: User | None,
    base: int | None,
    source: str = GuideRevision.Source.EDITOR,
    note: str = "",
) -> Guide:
    """Save the editor's text as the guide: all of it or nothing. `base` is the revision the
    editor opened; if another was saved since, StaleEdit (the caller keeps the text). Ticks and
    drill schedules survive as in an import: items are matched by text, then by position."""
    latest = saved_since(guide, base)
    if latest is not None:
        raise StaleEdit(latest)
    checked = editor_check(guide, text, restoring=source == GuideRevision.Source.RESTORE)
    if checked.errors or checked.data is None:
        raise GuideImportError(checked.errors)
    return guide_upsert(
        data=checked.data, images=checked.images, author=author, source=source, note=note
    )


def revision_restore(*, revision: GuideRevision, author: User | None) -> Guide:
    """Make the guide what this revision holds; the restore is itself a new revision."""
    return guide_save_markdown(
        guide=revision.guide,
        text=revision.markdown,
        author=author,
        base=None,
        source=GuideRevision.Source.RESTORE,
        note=f"Restored revision {revision.number}",
    )


def markdown_preview[T](
    guide: Guide, text: str, render: Callable[[Guide, list[str]], T]
) -> T | Checked:
    """`render(guide, warnings)` as the guide would be with this text, without keeping anything:
    the text is written inside a transaction that is then rolled back. The errors when it cannot
    be."""
    checked = editor_check(guide, text)
    if checked.errors or checked.data is None:
        return checked
    with transaction.atomic():
        draft = guide_upsert(
            data=checked.data, images=checked.images, source=GuideRevision.Source.EDITOR
        )
        result = render(draft, checked.warnings)
        transaction.set_rollback(True)
    return result


def insert_block(text: str, line: int | None, block: str) -> tuple[str, int]:
    """The text with `block` as a paragraph of its own after line `line` (1-based: the line the
    writer's cursor is on; a blank line is replaced; a line in the front matter means just after
    it), or at the end when no line is given or it is past the end; with the line the block
    landed on."""
    lines = text.split("\n")
    if line is not None and lines[0] == "---" and "---" in lines[1:]:
        line = max(line, lines.index("---", 1) + 1)  # never inside the front matter: after it
    if line is None or not 1 <= line <= len(lines):
        head, tail = lines, []
    else:
        head = lines[:line] if lines[line - 1].strip() else lines[: line - 1]
        tail = lines[line:]
    while head and not head[-1].strip():
        head.pop()
    while tail and not tail[0].strip():
        tail.pop(0)
    before = [*head, ""] if head else []
    after = ["", *tail] if tail else [""]
    return "\n".join([*before, block, *after]), len(before) + 1


def image_upload(*, guide: Guide, name: str, data: bytes, alt: str) -> tuple[GuideImage, str]:
    """Store an uploaded image for the guide (replacing one of the same name) and return it with
    the Markdown that shows it with the writer's alt text (never one made from the file name,
    which would pass the alt-text check while telling a reader nothing)."""
    alt = " ".join(alt.split())
    if not alt:
        raise GuideImportError(["Write the image's alt text (what it shows) before uploading it."])
    try:
        prepared = prepare_image(name, data)
    except ImageError as exc:
        raise GuideImportError([str(exc)]) from None
    # A new file never replaces one the guide already shows: it gets a name of its own.
    taken = {image.name: image.digest for image in GuideImage.objects.filter(guide=guide)}
    stem, _, extension = prepared.name.rpartition(".")
    name, n = prepared.name, 2
    while name in taken and taken[name] != prepared.digest:
        name, n = f"{stem}-{n}.{extension}", n + 1
    image, _ = image_store(guide=guide, prepared=replace(prepared, name=name))
    return image, f"![{alt_markdown(alt)}]({image.markdown_path})"
