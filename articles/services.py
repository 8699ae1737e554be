"""Writes to content: derived fields of a guide, Markdown import (upsert) and export."""

from __future__ import annotations

import hashlib
import io
import posixpath
import re
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from difflib import SequenceMatcher
from pathlib import Path
from typing import IO, Any

from django.contrib.postgres.search import SearchVector
from django.db import connection, transaction
from django.db.models import F, QuerySet
from django.db.models.expressions import CombinedExpression
from django.utils import timezone

from accounts.models import User
from pages.cache import content_changed

from .archives import ArchiveError, zip_contents
from .axes import unknown_axes
from .images import ImageError, PreparedImage, image_store, prepare_image
from .markdown import (
    BlockData,
    GuideData,
    GuideFormatError,
    SectionData,
    inline_to_text,
    parse_guide,
    unique_anchor,
    write_guide,
)
from .models import (
    SQLITE_SEARCH_TABLE,
    WORDS_PER_MINUTE,
    Block,
    Guide,
    GuideImage,
    GuideRevision,
    Item,
    Pattern,
    Section,
    Track,
)
from .revisions import revision_store

WORD_RE = re.compile(r"[^\W_]+(?:['’\-][^\W_]+)*")


def count_words(text: str) -> int:
    return len(WORD_RE.findall(text))


def block_plain_text(block: Block) -> str:
    """The words of a block, for search and the word count (code and alt text included: they
    are what a reader searches for), as its kind reads them."""
    return block.kind_class.plain_text(block)


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


@transaction.atomic
def guide_refresh(
    *,
    guide: Guide,
    author: User | None = None,
    source: str = GuideRevision.Source.FORM,
    note: str = "",
) -> Guide:
    """Recompute the derived fields after the guide or its sections changed, bump the version
    so cached renderings of the old text are never served again, and store the guide as a new
    revision (by `author`, through `source`) if it differs from the last one."""
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
    if connection.vendor == "sqlite":
        _sqlite_index(guide)
    revision_record(guide=guide, author=author, source=source, note=note)
    content_changed()
    return guide


@transaction.atomic
def revision_record(
    *,
    guide: Guide,
    author: User | None,
    source: str,
    note: str = "",
    markdown: str | None = None,
) -> GuideRevision | None:
    """Store the guide as a revision unless the last revision already holds exactly this text;
    the new revision, or None. Numbers run 1, 2, 3... per guide (the guide's row is locked)."""
    markdown = guide_markdown(guide=guide) if markdown is None else markdown
    return revision_store(
        guide, guide.revisions, markdown=markdown, author=author, source=source, note=note
    )


def guides_publish(guides: Iterable[Guide], *, author: User | None = None) -> int:
    """Publish these guides now (a guide scheduled for later keeps its time); how many."""
    now = timezone.now()
    count = 0
    for guide in guides:
        guide.status = Guide.Status.PUBLISHED
        guide.published_at = guide.published_at or now
        guide.save(update_fields=["status", "published_at", "updated_at"])
        guide_refresh(guide=guide, author=author, note="Published")
        count += 1
    return count


@transaction.atomic
def guides_unpublish(guides: QuerySet[Guide], *, author: User | None = None) -> int:
    """Put these guides back to draft; how many. Cached pages drop them once this commits."""
    # Read before the update: a queryset filtered on the status would find nothing after it.
    chosen = list(guides.select_related("track"))
    count = Guide.objects.filter(pk__in=[g.pk for g in chosen]).update(
        status=Guide.Status.DRAFT, updated_at=timezone.now()
    )
    for guide in chosen:
        guide.refresh_from_db()
        revision_record(
            guide=guide, author=author, source=GuideRevision.Source.FORM, note="Unpublished"
        )
    # update() sends no signal: cached pages are retired here.
    content_changed()
    return count


def _vector(text_field: str) -> CombinedExpression:
    return (
        SearchVector("title", weight="A", config="english")
        + SearchVector("dek", weight="B", config="english")
        + SearchVector(text_field, weight="C", config="english")
    )


def _sqlite_index(guide: Guide) -> None:
    """Put the guide's searchable text in the SQLite FTS5 index (migration 0011), in step with
    the Postgres vectors above."""
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {SQLITE_SEARCH_TABLE} WHERE rowid = %s", [guide.pk])
        cursor.execute(
            f"INSERT INTO {SQLITE_SEARCH_TABLE} (rowid, title, dek, preview_text, full_text) "
            "VALUES (%s, %s, %s, %s, %s)",
            [guide.pk, guide.title, guide.dek, guide.preview_text, guide.full_text],
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
        patterns=[pattern.slug for pattern in guide.patterns.all()],
        axes=list(guide.axes),
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
                blocks=[block_data(b) for b in section.blocks.all()],
            )
            for section in guide.sections.prefetch_related("blocks__image")
        ],
    )


def block_data(block: Block) -> BlockData:
    return BlockData(
        kind=block.kind_class.name,  # a kind no longer known is written as a paragraph
        text=block.text,
        attribution=block.attribution,
        language=block.language,
        caption=block.caption,
        style=block.style,
        runnable=block.runnable,
        src=block.image.markdown_path if block.image else "",
    )


def guide_export(*, guide: Guide) -> str:
    """The guide as a Markdown file that imports anywhere: with its track's title, so an import
    into a site without the track can create it."""
    return write_guide(guide_data(guide))


def guide_markdown(*, guide: Guide) -> str:
    """The guide as the Markdown editor shows it and its revisions keep it: the export without
    the track's title, since a track's name is the track's, not the guide's (the editor never
    creates or renames a track, and a restore never brings an old name back)."""
    return write_guide(replace(guide_data(guide), track_title=""))


@dataclass(frozen=True)
class GuideSource:
    """A guide's Markdown and where its images are: `files` (paths relative to the Markdown
    file, as in a zip) or a `folder` read when an image is asked for."""

    name: str
    text: str
    folder: Path | None = None
    files: Mapping[str, bytes] = field(default_factory=dict)

    def read(self, src: str) -> bytes:
        path = posixpath.normpath(src)
        if path.startswith(("../", "/")) or path == "..":
            raise FileNotFoundError(src)
        if path in self.files:
            return self.files[path]
        if self.folder is not None:
            folder = self.folder.resolve()
            target = (folder / path).resolve()
            if target.is_relative_to(folder) and target.is_file():
                return target.read_bytes()
        raise FileNotFoundError(src)


@dataclass
class ParsedGuide:
    data: GuideData
    images: dict[str, PreparedImage]  # src in the Markdown -> the checked image


Source = GuideSource | tuple[str, str]


def known_patterns() -> list[str]:
    """Every pattern's slug, in the patterns' order: read once per import."""
    return list(Pattern.objects.values_list("slug", flat=True))


def unknown_patterns(named: Iterable[str], known: list[str]) -> str | None:
    """What is wrong with the patterns a guide's or a problem's front matter names, or None:
    each must exist (an editor adds one in the admin, Patterns)."""
    unknown = [slug for slug in named if slug not in known]
    if not unknown:
        return None
    return (
        f"unknown pattern(s) {', '.join(repr(slug) for slug in unknown)} (the patterns are: "
        f"{', '.join(known)}); a new pattern is added in the admin (Patterns) first"
    )


def guides_parse(files: Iterable[Source]) -> tuple[list[ParsedGuide], list[str]]:
    """Parse every guide and check its images; return the guides and every error found (not just
    the first), so an editor can fix a batch in one pass."""
    parsed: list[ParsedGuide] = []
    errors: list[str] = []
    seen: dict[str, str] = {}
    known_tracks = set(Track.objects.values_list("slug", flat=True))
    patterns = known_patterns()

    def check(values: dict[str, Any]) -> list[tuple[str, str]]:
        wrong: list[tuple[str, str]] = []
        track = values.get("track")
        if track and track not in known_tracks and not values.get("track_title"):
            wrong.append(
                (
                    "track",
                    f"unknown track '{track}' (known: {', '.join(sorted(known_tracks))}); "
                    "add 'track_title' to create it",
                )
            )
        if problem := unknown_patterns(values.get("patterns", []), patterns):
            wrong.append(("patterns", problem))
        if problem := unknown_axes(values.get("axes", [])):
            wrong.append(("axes", problem))
        return wrong

    for item in files:
        source = GuideSource(*item) if isinstance(item, tuple) else item
        name = source.name
        try:
            data = parse_guide(source.text, name, check=check)
        except GuideFormatError as exc:
            errors.extend(str(error) for error in exc.all())
            continue
        if data.slug in seen:
            errors.append(f"{name}: slug '{data.slug}' is also used by {seen[data.slug]}")
            continue
        seen[data.slug] = name
        images, image_errors = _guide_images(source, data)
        errors += image_errors
        if not image_errors:
            parsed.append(ParsedGuide(data, images))
    return parsed, errors


def _guide_images(
    source: GuideSource, data: GuideData
) -> tuple[dict[str, PreparedImage], list[str]]:
    images: dict[str, PreparedImage] = {}
    errors: list[str] = []
    by_name: dict[str, str] = {}
    for section in data.sections:
        for block in section.blocks:
            if not block.src or block.src in images:  # only an image block names a file
                continue
            where = f"{source.name}:{block.line}"
            try:
                prepared = prepare_image(block.src, source.read(block.src))
            except (FileNotFoundError, OSError):
                errors.append(f"{where}: the image '{block.src}' is not beside the Markdown file")
                continue
            except ImageError as exc:
                errors.append(f"{where}: {exc}")
                continue
            other = by_name.setdefault(prepared.name, block.src)
            if other != block.src:
                errors.append(
                    f"{where}: '{block.src}' and '{other}' have the same file name; rename one"
                )
                continue
            images[block.src] = prepared
    return images, errors


class GuideImportError(Exception):
    def __init__(self, errors: list[str]) -> None:
        self.errors = errors
        super().__init__("\n".join(errors))


def guides_import(
    files: Iterable[Source],
    *,
    force: bool = False,
    new_only: bool = False,
    warnings: list[str] | None = None,
    author: User | None = None,
) -> list[Guide]:
    """Upsert guides by slug from Markdown: all of them, or (on any error) none. A guide that was
    changed since its last import (in the admin, say) is not overwritten: the import is refused,
    naming it, unless `force`. With `new_only`, guides already in the database are left as they
    are (what `make run` does with the demo guides). What the editor should know but does not
    stop the import (an unknown code language) is added to `warnings`."""
    parsed, errors = guides_parse(files)
    if errors:
        raise GuideImportError(errors)
    if warnings is not None:
        warnings += [warning for p in parsed for warning in p.data.warnings]
    if new_only:
        existing = set(
            Guide.objects.filter(slug__in=[p.data.slug for p in parsed]).values_list(
                "slug", flat=True
            )
        )
        parsed = [p for p in parsed if p.data.slug not in existing]
    with transaction.atomic():
        if not force:
            changed = [
                guide.slug
                for guide in Guide.objects.select_for_update().filter(
                    slug__in=[p.data.slug for p in parsed]
                )
                if not _as_last_imported(guide)
            ]
            if changed:
                raise GuideImportError(
                    [
                        f"'{slug}' was changed since it was last imported (in the admin, or it "
                        "was never imported); import with --force to replace it, or export it "
                        "first to keep the changes"
                        for slug in changed
                    ]
                )
        return [guide_upsert(data=p.data, images=p.images, author=author) for p in parsed]


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _as_last_imported(guide: Guide) -> bool:
    """Whether the guide is as its last import left it (nothing an editor did would be lost)."""
    return (
        bool(guide.imported_digest) and _digest(guide_export(guide=guide)) == guide.imported_digest
    )


def zip_sources(name: str, data: bytes | IO[bytes]) -> list[GuideSource]:
    """Each .md file in a zip (its bytes, or a seekable file such as an upload), with the zip's
    other files at paths relative to it; read within articles.archives' limits."""
    try:
        contents = zip_contents(name, data)
    except ArchiveError as exc:
        raise GuideImportError([str(exc)]) from None
    sources = []
    for path, raw in sorted(contents.items()):
        if not path.endswith(".md") or path.startswith("__MACOSX/"):
            continue
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise GuideImportError([f"{name}/{path}: not a UTF-8 text file"]) from None
        folder = posixpath.dirname(path)
        files = {
            posixpath.relpath(other, folder or "."): body
            for other, body in contents.items()
            if other != path and (not folder or other.startswith(folder + "/"))
        }
        sources.append(GuideSource(f"{name}/{path}", text, files=files))
    if not sources:
        raise GuideImportError([f"{name}: the zip holds no .md file"])
    return sources


def guide_files(paths: Iterable[str | Path]) -> list[GuideSource]:
    """The guides in each file, folder (its .md files, in name order) or zip."""
    sources: list[GuideSource] = []
    for raw in paths:
        path = Path(raw)
        targets = sorted(path.glob("*.md")) if path.is_dir() else [path]
        for target in targets:
            try:
                if target.suffix == ".zip":
                    sources += zip_sources(str(target), target.read_bytes())
                else:
                    text = target.read_text(encoding="utf-8")
                    sources.append(GuideSource(str(target), text, folder=target.parent))
            except (OSError, UnicodeDecodeError) as exc:
                raise GuideImportError([f"{target}: cannot read the file ({exc})"]) from None
    return sources


def guide_zip(*, guide: Guide) -> tuple[str, bytes]:
    """The guide as a file that imports back to it: the bare Markdown when it has no images,
    otherwise a zip of the Markdown and images/. Returns (file name, content)."""
    markdown = guide_export(guide=guide)
    used = GuideImage.objects.filter(blocks__section__guide=guide).distinct()
    if not used:
        return f"{guide.slug}.md", markdown.encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{guide.slug}.md", markdown)
        for image in used:
            with image.original.open("rb") as handle:
                archive.writestr(image.markdown_path, handle.read())
    return f"{guide.slug}.zip", out.getvalue()


def _assign(obj: Guide | Section | Block, **values: object) -> bool:
    """Give obj these field values as its save() would store them; whether that changes it."""
    before = [getattr(obj, name) for name in values]
    for name, value in values.items():
        setattr(obj, name, value)
    obj.normalize_text()
    return obj._state.adding or [getattr(obj, name) for name in values] != before


@transaction.atomic
def guide_upsert(
    *,
    data: GuideData,
    images: Mapping[str, PreparedImage | GuideImage] | None = None,
    author: User | None = None,
    source: str = GuideRevision.Source.IMPORT,
    note: str = "",
) -> Guide:
    """Create or update one guide from parsed data and its checked images. Sections are matched
    by anchor and blocks by kind and order, so ids (and whatever readers attach to them) survive
    a re-import. Only what differs is written: a file that matches the stored guide writes
    nothing, so its updated_at, its version and the content version (and with it every cached
    page) stay as they are. The guide then records what this import made of it, so the next
    import can tell whether an editor changed it since."""
    # Only an import that names the track's title creates a track (or renames it).
    track: Track | None
    if data.track_title:
        track, _ = Track.objects.get_or_create(
            slug=data.track, defaults={"title": data.track_title}
        )
        if track.title != data.track_title:
            track.title = data.track_title
            track.save(update_fields=["title"])  # moves the content version (articles.receivers)
    else:
        track = Track.objects.filter(slug=data.track).first()
    if track is None:
        raise GuideImportError([f"unknown track '{data.track}'"])
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
        axes=data.axes,
    )
    if problem := unknown_axes(data.axes):
        raise GuideImportError([problem])
    patterns = list(Pattern.objects.filter(slug__in=data.patterns))
    if len(patterns) != len(data.patterns):
        raise GuideImportError([unknown_patterns(data.patterns, known_patterns()) or ""])
    patterns_changed = created or {p.slug for p in guide.patterns.all()} != set(data.patterns)
    if patterns_changed:
        guide.patterns.set(patterns)
    stored: dict[str, GuideImage] = {}
    images_changed = False
    for src, image in (images or {}).items():
        if isinstance(image, GuideImage):  # already stored (the Markdown editor's uploads)
            stored[src] = image
            continue
        stored[src], changed = image_store(guide=guide, prepared=image)
        images_changed = images_changed or changed
    sections_changed = _sections_upsert(guide=guide, sections=data.sections, images=stored)
    if created or fields_changed or sections_changed or images_changed or patterns_changed:
        guide_save(guide=guide)  # moves updated_at, whichever part changed
        guide = guide_refresh(guide=guide, author=author, source=source, note=note)
    if source != GuideRevision.Source.IMPORT:
        return guide
    digest = _digest(guide_export(guide=guide))
    if guide.imported_digest != digest:
        Guide.objects.filter(pk=guide.pk).update(imported_digest=digest)
        guide.imported_digest = digest
    return guide


def _sections_upsert(
    *, guide: Guide, sections: list[SectionData], images: Mapping[str, GuideImage]
) -> bool:
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
            section_save(section=section)
            changed = True
        keep.add(section.pk)
        changed = (
            _blocks_upsert(section=section, blocks=blocks, data=section_data.blocks, images=images)
            or changed
        )
    gone = [s.pk for s in existing.values() if s.pk not in keep]
    if gone:
        Section.objects.filter(pk__in=gone).delete()
    return changed or bool(gone)


def _blocks_upsert(
    *,
    section: Section,
    blocks: list[Block],
    data: list[BlockData],
    images: Mapping[str, GuideImage],
) -> bool:
    """Blocks are matched to the existing blocks of the same kind, in order: a paragraph added
    above a checklist leaves the checklist (and the ticks on its items) in place."""
    unmatched: dict[str, list[Block]] = {}
    for existing in blocks:
        unmatched.setdefault(existing.kind, []).append(existing)
    changed = False
    matched: set[int] = set()
    for position, wanted in enumerate(data):
        same_kind = unmatched.get(wanted.kind, [])
        block = same_kind.pop(0) if same_kind else Block(section=section)
        if _assign(
            block,
            position=position,
            kind=wanted.kind,
            text=wanted.text,
            attribution=wanted.attribution,
            language=wanted.language,
            caption=wanted.caption,
            style=wanted.style,
            runnable=wanted.runnable,
            image_id=images[wanted.src].pk if wanted.src else None,
        ):
            block_save(block=block)
            changed = True
        matched.add(block.pk)
    gone = [b.pk for b in blocks if b.pk not in matched]
    if gone:
        Block.objects.filter(pk__in=gone).delete()
    return changed or bool(gone)


# --- Saving the parts of a guide -----------------------------------------------------------------
# What a save writes besides the row itself is said here, not hidden in the models' save().

# Written only by their own services: `version` by guide_refresh (atomically, in the database)
# and `imported_digest` by an import.
GUIDE_DERIVED = ("version", "imported_digest")


def guide_save(*, guide: Guide) -> None:
    """Store a guide's own fields as an editor or an import set them, normalized; never the
    version or the import digest, which a form holding an older copy would roll back."""
    guide.normalize_text()
    if guide._state.adding:
        guide.save()
        return
    guide.save(
        update_fields=[
            f.name
            for f in Guide._meta.concrete_fields
            if not f.primary_key and f.name not in GUIDE_DERIVED
        ]
    )


def section_anchor(*, section: Section) -> str:
    """An anchor for the section made from its heading, unique among its guide's sections."""
    taken = set(
        Section.objects.filter(guide_id=section.guide_id)
        .exclude(pk=section.pk)
        .values_list("anchor", flat=True)
    )
    return unique_anchor(section.heading, taken)


def section_save(*, section: Section) -> None:
    """Store a section, normalized; a blank anchor is made from the heading."""
    section.normalize_text()
    if not section.anchor:
        section.anchor = section_anchor(section=section)
    section.save()


@transaction.atomic
def block_save(*, block: Block) -> None:
    """Store a block, normalized as its kind keeps text, and bring its items (what readers tick
    or drill) in step with it (block_items_sync)."""
    block.normalize_text()
    before = None if block.pk is None else Block.objects.filter(pk=block.pk).values("kind").first()
    block.save()
    block_items_sync(block=block, kind_changed=before is not None and before["kind"] != block.kind)


def block_items_sync(*, block: Block, kind_changed: bool = False) -> None:
    """Match the block's items to what its kind yields: identical lines first, wherever they
    moved (a reordered line keeps its item), then the rest in order (an edited line keeps its
    item); what is left over is deleted or created. A block that changed kind starts afresh: a
    tick on a checklist line means nothing on a phrase row."""
    wanted = block.item_texts()
    current = list(Item.objects.filter(block=block).order_by("position", "id"))
    if kind_changed and current:
        Item.objects.filter(pk__in=[item.pk for item in current]).delete()
        current = []
    kept: dict[int, Item] = {}
    by_text: dict[tuple[str, str], list[Item]] = {}
    for old_item in current:
        by_text.setdefault((old_item.text, old_item.answer), []).append(old_item)
    for position, line in enumerate(wanted):
        if by_text.get(line):
            kept[position] = by_text[line].pop(0)
    used = {item.pk for item in kept.values()}
    rest_old = [item for item in current if item.pk not in used]
    rest_new = [position for position in range(len(wanted)) if position not in kept]
    matcher = SequenceMatcher(
        None,
        [(i.text, i.answer) for i in rest_old],
        [wanted[p] for p in rest_new],
        autojunk=False,
    )
    gone: list[int] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag in ("equal", "replace"):
            pairs = list(zip(range(i1, i2), range(j1, j2), strict=False))
            kept.update({rest_new[j]: rest_old[i] for i, j in pairs})
            gone += [item.pk for item in rest_old[i1 + len(pairs) : i2]]
        elif tag == "delete":
            gone += [item.pk for item in rest_old[i1:i2]]
    if gone:
        Item.objects.filter(pk__in=gone).delete()
    for position, (text, answer) in enumerate(wanted):
        item: Item | None = kept.get(position)
        if item is None:
            Item.objects.create(block=block, position=position, text=text, answer=answer)
        elif (item.position, item.text, item.answer) != (position, text, answer):
            item.position, item.text, item.answer = position, text, answer
            item.save(update_fields=["position", "text", "answer"])
