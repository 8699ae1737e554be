"""Writes to content: derived fields of a guide, Markdown import (upsert) and export."""

from __future__ import annotations

import re
import time
from collections.abc import Iterable
from pathlib import Path

from django.contrib.postgres.search import SearchVector
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import F, QuerySet
from django.db.models.expressions import CombinedExpression
from django.utils import timezone

from .markdown import (
    BlockData,
    GuideData,
    GuideFormatError,
    SectionData,
    inline_to_text,
    parse_guide,
    write_guide,
)
from .models import WORDS_PER_MINUTE, Block, Guide, Section, Track, split_phrase_row
from .rendering import RENDER_SCHEMA

WORD_RE = re.compile(r"[^\W_]+(?:['’\-][^\W_]+)*")


def count_words(text: str) -> int:
    return len(WORD_RE.findall(text))


def block_plain_text(block: Block) -> str:
    if block.kind == Block.Kind.PARAGRAPH:
        return inline_to_text(block.text)
    if block.kind == Block.Kind.QUOTE:
        quote = inline_to_text(block.text)
        return f"{quote}\n{block.attribution}" if block.attribution else quote
    if block.kind == Block.Kind.PHRASES:
        return "\n".join(" ".join(split_phrase_row(line)) for line in block.items)
    return "\n".join(block.items)


def guide_texts(guide: Guide) -> tuple[str, str]:
    """(text a non-reader may see, the whole text), for search and counting."""
    sections = list(guide.sections.prefetch_related("blocks"))
    intro = "\n".join(inline_to_text(p) for p in guide.intro.split("\n\n") if p.strip())
    rendered = [
        "\n".join([section.heading, *(block_plain_text(b) for b in section.blocks.all())])
        for section in sections
    ]
    full = "\n\n".join([intro, *rendered])
    cut = guide.cut
    if cut is None:
        return full, full
    # Headings past the cut are public (the table of contents shows them); their text is not.
    visible = rendered[:cut] + [section.heading for section in sections[cut:]]
    return "\n\n".join([intro, *visible]), full


CONTENT_VERSION_KEY = "content-version"
# A cached guide page is keyed by the content version, which every committed change moves on;
# the expiry only bounds how long a change made outside the application (raw SQL) takes to show.
GUIDE_ENTRY_SECONDS = 300


def guide_entry_key(slug: str, audience: str, version: int) -> str:
    # The content version is read before the database, so a page rebuilt from rows that an
    # editor's commit has since changed lands under a version nobody reads any more.
    return f"guide-entry:r{RENDER_SCHEMA}:{version}:{slug}:{audience}"


def content_version() -> int:
    """A number that changes whenever published content may have changed; cached listings carry
    it in their keys. It starts from the clock in microseconds, so a version lost with the cache
    never comes back and meets an old entry still held in a process."""
    version = cache.get_or_set(CONTENT_VERSION_KEY, _fresh_version, None)
    assert version is not None  # a missing version is made and stored by get_or_set
    return int(version)


def _fresh_version() -> int:
    return time.time_ns() // 1000


def content_changed() -> None:
    try:
        cache.incr(CONTENT_VERSION_KEY)
    except ValueError:
        cache.set(CONTENT_VERSION_KEY, _fresh_version(), None)


@transaction.atomic
def guide_refresh(*, guide: Guide) -> Guide:
    """Recompute the derived fields after the guide or its sections changed, and bump the version
    so cached renderings of the old text are never served again."""
    preview, full = guide_texts(guide)
    words = count_words(full)
    Guide.objects.filter(pk=guide.pk).update(
        preview_text=preview,
        full_text=full,
        word_count=words,
        read_minutes=max(1, round(words / WORDS_PER_MINUTE)),
        version=F("version") + 1,
    )
    if connection.vendor == "postgresql":
        Guide.objects.filter(pk=guide.pk).update(
            search_preview=_vector("preview_text"), search_full=_vector("full_text")
        )
    guide.refresh_from_db()
    # After commit: a request that reads the version first and the rows later can then never
    # file old rows under the new version.
    transaction.on_commit(content_changed)
    return guide


def guides_publish(guides: Iterable[Guide]) -> int:
    """Publish these guides now (a guide scheduled for later keeps its time); how many."""
    now = timezone.now()
    count = 0
    for guide in guides:
        guide.status = Guide.Status.PUBLISHED
        guide.published_at = guide.published_at or now
        guide.save(update_fields=["status", "published_at", "updated_at"])
        guide_refresh(guide=guide)
        count += 1
    return count


def guides_unpublish(guides: QuerySet[Guide]) -> int:
    """Put these guides back to draft; how many. Cached pages drop them once this commits."""
    count = guides.update(status=Guide.Status.DRAFT, updated_at=timezone.now())
    # update() sends no signal: the version is moved here.
    transaction.on_commit(content_changed)
    return count


def _vector(text_field: str) -> CombinedExpression:
    return (
        SearchVector("title", weight="A", config="english")
        + SearchVector("dek", weight="B", config="english")
        + SearchVector(text_field, weight="C", config="english")
    )


# --- Import / export ---------------------------------------------------------------------------


def guide_data(guide: Guide) -> GuideData:
    """A stored guide as plain data (the shape of the Markdown file)."""
    return GuideData(
        title=guide.title,
        slug=guide.slug,
        track=guide.track.slug,
        # Written on every export so a guide in a track an editor created imports anywhere.
        track_title=guide.track.title,
        dek=guide.dek,
        access=guide.access,
        preview_sections=guide.preview_sections,
        status=guide.status,
        published_at=guide.published_at,
        intro=guide.intro,
        sections=[
            SectionData(
                heading=section.heading,
                anchor=section.anchor,
                blocks=[
                    BlockData(kind=b.kind, text=b.text, attribution=b.attribution)
                    for b in section.blocks.all()
                ],
            )
            for section in guide.sections.prefetch_related("blocks")
        ],
    )


def guide_export(*, guide: Guide) -> str:
    return write_guide(guide_data(guide))


def guides_parse(files: Iterable[tuple[str, str]]) -> tuple[list[GuideData], list[str]]:
    """Parse every (name, text) pair; return the guides and every error found (not just the
    first), so an editor can fix a batch in one pass."""
    parsed: list[GuideData] = []
    errors: list[str] = []
    seen: dict[str, str] = {}
    known_tracks = set(Track.objects.values_list("slug", flat=True))
    for name, text in files:
        try:
            data = parse_guide(text, name)
        except GuideFormatError as exc:
            errors.append(str(exc))
            continue
        if data.slug in seen:
            errors.append(f"{name}: slug '{data.slug}' is also used by {seen[data.slug]}")
            continue
        seen[data.slug] = name
        if data.track not in known_tracks and not data.track_title:
            errors.append(
                f"{name}: unknown track '{data.track}' (known: {', '.join(sorted(known_tracks))}); "
                "add 'track_title' to create it"
            )
            continue
        parsed.append(data)
    return parsed, errors


class GuideImportError(Exception):
    def __init__(self, errors: list[str]) -> None:
        self.errors = errors
        super().__init__("\n".join(errors))


def guides_import(files: Iterable[tuple[str, str]]) -> list[Guide]:
    """Upsert guides by slug from Markdown texts: all of them, or (on any error) none."""
    parsed, errors = guides_parse(files)
    if errors:
        raise GuideImportError(errors)
    with transaction.atomic():
        return [guide_upsert(data=data) for data in parsed]


def guide_files(paths: Iterable[str | Path]) -> list[tuple[str, str]]:
    """(name, text) for each file, and for each .md file inside each folder, in name order."""
    files: list[tuple[str, str]] = []
    for raw in paths:
        path = Path(raw)
        targets = sorted(path.glob("*.md")) if path.is_dir() else [path]
        for target in targets:
            try:
                files.append((str(target), target.read_text(encoding="utf-8")))
            except (OSError, UnicodeDecodeError) as exc:
                raise GuideImportError([f"{target}: cannot read the file ({exc})"]) from None
    return files


def _assign(obj: Guide | Section | Block, **values: object) -> bool:
    """Give obj these field values as its save() would store them; whether that changes it."""
    before = [getattr(obj, name) for name in values]
    for name, value in values.items():
        setattr(obj, name, value)
    obj.normalize_text()
    return obj._state.adding or [getattr(obj, name) for name in values] != before


@transaction.atomic
def guide_upsert(*, data: GuideData) -> Guide:
    """Create or update one guide from parsed data. Sections are matched by anchor and blocks by
    kind and order, so ids (and whatever readers attach to them) survive a re-import. Only what
    differs is written: a file that matches the stored guide writes nothing, so its updated_at,
    its version and the content version (and with it every cached page) stay as they are."""
    track, created = Track.objects.get_or_create(
        slug=data.track, defaults={"title": data.track_title or data.track}
    )
    if not created and data.track_title and track.title != data.track_title:
        track.title = data.track_title
        track.save(update_fields=["title"])  # moves the content version (articles.receivers)
    guide, created = Guide.objects.select_for_update().get_or_create(
        slug=data.slug, defaults={"track": track, "title": data.title, "dek": data.dek}
    )
    fields_changed = _assign(
        guide,
        track_id=track.pk,
        title=data.title,
        dek=data.dek,
        intro=data.intro,
        access=data.access,
        preview_sections=data.preview_sections,
        status=data.status,
        published_at=data.published_at,
    )
    sections_changed = _sections_upsert(guide=guide, sections=data.sections)
    if not (created or fields_changed or sections_changed):
        return guide
    guide.save()  # moves updated_at, whichever part changed
    return guide_refresh(guide=guide)


def _sections_upsert(*, guide: Guide, sections: list[SectionData]) -> bool:
    """Write the sections (and their blocks) that differ; whether anything did."""
    existing = {s.anchor: s for s in guide.sections.prefetch_related("blocks")}
    changed = False
    keep: set[int] = set()
    for position, section_data in enumerate(sections):
        section = existing.get(section_data.anchor) or Section(guide=guide)
        blocks = list(section.blocks.all()) if section.pk else []
        if _assign(
            section, position=position, heading=section_data.heading, anchor=section_data.anchor
        ):
            section.save()
            changed = True
        keep.add(section.pk)
        changed = (
            _blocks_upsert(section=section, blocks=blocks, data=section_data.blocks) or changed
        )
    gone = [s.pk for s in existing.values() if s.pk not in keep]
    if gone:
        Section.objects.filter(pk__in=gone).delete()
    return changed or bool(gone)


def _blocks_upsert(*, section: Section, blocks: list[Block], data: list[BlockData]) -> bool:
    """Blocks are matched to the existing blocks of the same kind, in order: a paragraph added
    above a checklist leaves the checklist (and the ticks on its items) in place."""
    unmatched = {kind: [b for b in blocks if b.kind == kind] for kind in Block.Kind.values}
    changed = False
    matched: set[int] = set()
    for position, block_data in enumerate(data):
        same_kind = unmatched[block_data.kind]
        block = same_kind.pop(0) if same_kind else Block(section=section)
        if _assign(
            block,
            position=position,
            kind=block_data.kind,
            text=block_data.text,
            attribution=block_data.attribution,
        ):
            block.save()
            changed = True
        matched.add(block.pk)
    gone = [b.pk for b in blocks if b.pk not in matched]
    if gone:
        Block.objects.filter(pk__in=gone).delete()
    return changed or bool(gone)
