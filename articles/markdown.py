"""The Markdown authoring format: parse a guide file into plain data, and write one back.

Front matter (YAML) between `---` lines; text before the first `## ` is the intro; `## `
starts a section (optionally `## Heading {#anchor}`); blocks are separated by blank lines: a
blockquote whose last line starts with an em dash is a pull quote, `- [ ]` lines are a
checklist, a two-column table is a phrase table, anything else is a paragraph.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from html import unescape

import nh3
import yaml
from django.utils.text import slugify
from markdown_it import MarkdownIt

from pages.shells import without_marks

FRONT_MATTER_KEYS = {
    "title",
    "slug",
    "track",
    "track_title",
    "dek",
    "access",
    "preview_sections",
    "status",
    "published_at",
}
REQUIRED_KEYS = ("title", "slug", "track", "dek")
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
HEADING_RE = re.compile(r"^##\s+(?P<heading>.+?)(?:\s+\{#(?P<anchor>[A-Za-z0-9_-]+)\})?\s*$")
CHECK_RE = re.compile(r"^[-*]\s+\[[ xX]\]\s+(?P<item>.+)$")
SEPARATOR_RE = re.compile(r"^\|?\s*:?-{3,}:?\s*\|\s*:?-{3,}:?\s*\|?$")
EM_DASH = "\u2014"
# A paragraph that starts like another block (#, >, |, a list item, a fence) is written with a
# backslash before it; the backslash is dropped again on reading.
BLOCK_MARKER_RE = re.compile(r"^(#|>|\||[-*+]\s|\d+[.)]\s|```|~~~)")
ESCAPED_MARKER_RE = re.compile(r"^\\(#|>|\||[-*+]\s|\d+[.)]\s|```|~~~)")

_inline = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})


class GuideFormatError(ValueError):
    """A malformed guide file: says which file, which line and what is wrong."""

    def __init__(self, source: str, line: int | None, message: str) -> None:
        self.source, self.line, self.message = source, line, message
        where = f"{source}:{line}" if line else source
        super().__init__(f"{where}: {message}")


@dataclass
class BlockData:
    kind: str
    text: str
    attribution: str = ""


@dataclass
class SectionData:
    heading: str
    anchor: str
    blocks: list[BlockData] = field(default_factory=list)


@dataclass
class GuideData:
    title: str
    slug: str
    track: str
    dek: str
    access: str = "free"
    preview_sections: int = 1
    status: str = "draft"
    published_at: dt.datetime | None = None
    track_title: str = ""
    intro: str = ""
    sections: list[SectionData] = field(default_factory=list)


# --- Inline Markdown ---------------------------------------------------------------------------


def render_inline(text: str) -> str:
    """Inline Markdown (emphasis, code, links) to sanitized HTML; block syntax is not honoured.
    Entities are decoded here (`&#xE000;` becomes U+E000), so the hole mark is removed after."""
    html = _inline.renderInline(text)
    return without_marks(
        nh3.clean(
            html,
            tags={"em", "strong", "code", "a", "br"},
            attributes={"a": {"href", "title"}},
            url_schemes={"http", "https", "mailto"},
            link_rel="noopener nofollow",
        )
    )


def inline_to_text(text: str) -> str:
    """The words a reader sees, without Markdown or HTML."""
    return unescape(nh3.clean(render_inline(text), tags=set())).strip()


# --- Parsing -----------------------------------------------------------------------------------


def parse_guide(text: str, source: str = "<guide>") -> GuideData:
    """Parse one guide file; raise GuideFormatError naming the line of the first problem."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if not lines or lines[0].strip() != "---":
        raise GuideFormatError(source, 1, "the file must start with '---' and YAML front matter")
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    except StopIteration:
        raise GuideFormatError(source, 1, "the front matter has no closing '---' line") from None
    meta = _parse_front_matter("\n".join(lines[1:end]), source)
    guide = _guide_from_meta(meta, source)
    _parse_body(guide, lines, end + 1, source)
    return guide


def _parse_front_matter(raw: str, source: str) -> dict:
    try:
        meta = yaml.safe_load(raw)
    except (ValueError, OverflowError) as exc:
        # PyYAML raises these for impossible dates such as 2026-02-30.
        raise GuideFormatError(source, None, f"front matter has an invalid value ({exc})") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 2
        problem = getattr(exc, "problem", None) or str(exc)
        raise GuideFormatError(
            source, line, f"front matter is not valid YAML ({problem})"
        ) from None
    if not isinstance(meta, dict):
        raise GuideFormatError(source, 2, "front matter must be 'key: value' lines")
    return meta


def _guide_from_meta(meta: dict, source: str) -> GuideData:
    def fail(key: str, message: str) -> GuideFormatError:
        return GuideFormatError(source, None, f"front matter '{key}': {message}")

    unknown = sorted(set(map(str, meta)) - FRONT_MATTER_KEYS)
    if unknown:
        raise GuideFormatError(
            source,
            None,
            f"unknown front matter key(s): {', '.join(unknown)} "
            f"(allowed: {', '.join(sorted(FRONT_MATTER_KEYS))})",
        )
    for key in REQUIRED_KEYS:
        value = meta.get(key)
        if not isinstance(value, str) or not value.strip():
            raise fail(key, "is required and must be text")
    slug = meta["slug"].strip()
    if not SLUG_RE.match(slug) or len(slug) > 120:
        raise fail("slug", f"{slug!r} must be lowercase letters, digits and hyphens")
    track = meta["track"].strip()
    if not SLUG_RE.match(track) or len(track) > 60:
        raise fail("track", f"{track!r} is not a track slug")
    if len(meta["title"]) > 200:
        raise fail("title", "is longer than 200 characters")
    if len(meta["dek"]) > 300:
        raise fail("dek", "is longer than 300 characters")
    access = meta.get("access", "free")
    if access not in ("free", "premium"):
        raise fail("access", f"{access!r} must be 'free' or 'premium'")
    status = meta.get("status", "draft")
    if status not in ("draft", "published"):
        raise fail("status", f"{status!r} must be 'draft' or 'published'")
    preview = meta.get("preview_sections", 1)
    if isinstance(preview, bool) or not isinstance(preview, int) or not 0 <= preview <= 50:
        raise fail("preview_sections", f"{preview!r} must be a whole number from 0 to 50")
    track_title = meta.get("track_title") or ""
    if not isinstance(track_title, str) or len(track_title) > 120:
        raise fail("track_title", "must be text of at most 120 characters")
    return GuideData(
        title=meta["title"].strip(),
        slug=slug,
        track=track,
        track_title=track_title.strip(),
        dek=meta["dek"].strip(),
        access=access,
        preview_sections=preview,
        status=status,
        published_at=_parse_datetime(meta.get("published_at"), fail),
    )


def _parse_datetime(value: object, fail) -> dt.datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        parsed = value
    elif isinstance(value, dt.date):
        parsed = dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)
    elif isinstance(value, str):
        try:
            parsed = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise fail(
                "published_at", f"{value!r} is not a date and time like 2026-11-01T09:00:00Z"
            ) from None
    else:
        raise fail("published_at", "must be a date and time like 2026-11-01T09:00:00Z")
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    try:
        return parsed.astimezone(dt.UTC)
    except OverflowError:
        raise fail("published_at", "is out of range") from None


def _chunks(lines: list[str], start: int, stop: int) -> list[tuple[int, list[str]]]:
    """Runs of non-blank lines between start and stop, each with its 1-based first line."""
    chunks: list[tuple[int, list[str]]] = []
    current: list[str] = []
    first = 0
    for index in range(start, stop):
        line = lines[index].rstrip()
        if line.strip():
            if not current:
                first = index + 1
            current.append(line)
        elif current:
            chunks.append((first, current))
            current = []
    if current:
        chunks.append((first, current))
    return chunks


def _parse_body(guide: GuideData, lines: list[str], start: int, source: str) -> None:
    heading_rows = [i for i in range(start, len(lines)) if lines[i].startswith("## ")]
    intro_stop = heading_rows[0] if heading_rows else len(lines)
    intro: list[str] = []
    for number, chunk in _chunks(lines, start, intro_stop):
        block = _parse_block(number, chunk, source)
        if block.kind != "paragraph":
            raise GuideFormatError(source, number, "the intro may only hold paragraphs")
        intro.append(block.text)
    guide.intro = "\n\n".join(intro)

    anchors: set[str] = set()
    for position, row in enumerate(heading_rows):
        match = HEADING_RE.match(lines[row])
        if not match:
            raise GuideFormatError(source, row + 1, "a section heading needs text after '## '")
        heading = match["heading"].strip()
        anchor = match["anchor"] or unique_anchor(heading, anchors)
        if anchor in anchors:
            raise GuideFormatError(source, row + 1, f"the anchor '#{anchor}' is used twice")
        if len(anchor) > 80:
            raise GuideFormatError(source, row + 1, "an anchor is longer than 80 characters")
        anchors.add(anchor)
        if len(heading) > 200:
            raise GuideFormatError(source, row + 1, "a heading is longer than 200 characters")
        section = SectionData(heading=heading, anchor=anchor)
        stop = heading_rows[position + 1] if position + 1 < len(heading_rows) else len(lines)
        for number, chunk in _chunks(lines, row + 1, stop):
            section.blocks.append(_parse_block(number, chunk, source))
        if not section.blocks:
            raise GuideFormatError(source, row + 1, f"the section '{heading}' is empty")
        guide.sections.append(section)
    if not guide.sections:
        raise GuideFormatError(source, None, "a guide needs at least one '## ' section")


def unique_anchor(heading: str, taken: set[str]) -> str:
    base = (slugify(heading) or "section")[:72].strip("-")
    anchor, n = base, 2
    while anchor in taken:
        anchor, n = f"{base}-{n}", n + 1
    return anchor


def _parse_block(number: int, chunk: list[str], source: str) -> BlockData:
    first = chunk[0].lstrip()
    if first.startswith(">"):
        return _parse_quote(number, chunk, source)
    if CHECK_RE.match(first):
        items = []
        for offset, line in enumerate(chunk):
            match = CHECK_RE.match(line.strip())
            if not match:
                raise GuideFormatError(
                    source, number + offset, "every line of a checklist must start with '- [ ] '"
                )
            items.append(match["item"].strip())
        return BlockData(kind="checklist", text="\n".join(items))
    if first.startswith("|"):
        return _parse_table(number, chunk, source)
    if first.startswith("#"):
        raise GuideFormatError(
            source, number, "only '## ' section headings are supported (no '#' or '###')"
        )
    if first.startswith(("```", "~~~")):
        raise GuideFormatError(source, number, "code blocks are not supported; use `inline code`")
    if re.match(r"^([-*+]|\d+[.)])\s", first):
        raise GuideFormatError(
            source, number, "plain lists are not supported; a checklist item is '- [ ] text'"
        )
    for offset, line in enumerate(chunk[1:], start=1):
        stripped = line.lstrip()
        if stripped.startswith((">", "|")) or CHECK_RE.match(stripped):
            raise GuideFormatError(
                source,
                number + offset,
                "a quote, checklist or table must be separated from the paragraph by a blank line",
            )
    text = " ".join(line.strip() for line in chunk)
    if ESCAPED_MARKER_RE.match(text):
        text = text[1:]  # written escaped so it is not read as a quote, list, table or heading
    return BlockData(kind="paragraph", text=text)


def _parse_quote(number: int, chunk: list[str], source: str) -> BlockData:
    body = []
    for offset, line in enumerate(chunk):
        stripped = line.lstrip()
        if not stripped.startswith(">"):
            raise GuideFormatError(
                source, number + offset, "every line of a pull quote must start with '>'"
            )
        body.append(stripped[1:].strip())
    attribution = ""
    if len(body) > 1 and body[-1].startswith(EM_DASH):
        attribution = body.pop().lstrip(EM_DASH).strip()
    text = " ".join(line for line in body if line)
    if not text:
        raise GuideFormatError(source, number, "a pull quote needs text")
    if len(attribution) > 200:
        raise GuideFormatError(
            source, number + len(chunk) - 1, "an attribution is longer than 200 characters"
        )
    return BlockData(kind="quote", text=text, attribution=attribution)


def _parse_table(number: int, chunk: list[str], source: str) -> BlockData:
    if len(chunk) < 3:
        raise GuideFormatError(
            source, number, "a phrase table needs a header row, a '| --- | --- |' row and rows"
        )
    if not SEPARATOR_RE.match(chunk[1].strip()):
        raise GuideFormatError(
            source, number + 1, "the second row of a phrase table must be '| --- | --- |'"
        )
    rows = []
    for offset, line in enumerate(chunk):
        if offset == 1:
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if not line.strip().startswith("|") or len(cells) != 2 or not all(cells):
            raise GuideFormatError(
                source, number + offset, "a phrase table row needs exactly two non-empty cells"
            )
        rows.append(f"{cells[0]} | {cells[1]}")
    return BlockData(kind="phrases", text="\n".join(rows))


# --- Writing -----------------------------------------------------------------------------------


def _quoted(value: str) -> str:
    # A JSON string is a valid YAML double-quoted scalar.
    return json.dumps(value, ensure_ascii=False)


def write_guide(guide: GuideData) -> str:
    """The Markdown file for a guide; parse_guide(write_guide(g)) equals g."""
    meta = [
        "---",
        f"title: {_quoted(guide.title)}",
        f"slug: {guide.slug}",
        f"track: {guide.track}",
    ]
    if guide.track_title:
        meta.append(f"track_title: {_quoted(guide.track_title)}")
    meta += [
        f"dek: {_quoted(guide.dek)}",
        f"access: {guide.access}",
        f"preview_sections: {guide.preview_sections}",
        f"status: {guide.status}",
    ]
    if guide.published_at:
        when = guide.published_at.astimezone(dt.UTC)
        stamp = when.strftime("%Y-%m-%dT%H:%M:%S")
        if when.microsecond:
            stamp += f".{when.microsecond:06d}"
        meta.append(f"published_at: {stamp}Z")
    meta.append("---")
    parts = ["\n".join(meta)]
    if guide.intro:
        parts.append(guide.intro)
    for section in guide.sections:
        heading = f"## {section.heading}"
        if section.anchor != unique_anchor(section.heading, set()):
            heading += f" {{#{section.anchor}}}"
        parts.append(heading)
        parts.extend(_write_block(block) for block in section.blocks)
    return "\n\n".join(parts) + "\n"


def _write_block(block: BlockData) -> str:
    if block.kind == "quote":
        text = "\n".join(f"> {line}" for line in block.text.splitlines() or [""])
        return f"{text}\n> {EM_DASH} {block.attribution}" if block.attribution else text
    if block.kind == "checklist":
        return "\n".join(f"- [ ] {item}" for item in block.text.splitlines() if item.strip())
    if block.kind == "phrases":
        rows = [line for line in block.text.splitlines() if line.strip()]
        cells = [[c.strip() for c in row.split("|", 1)] for row in rows]
        lines = [f"| {cells[0][0]} | {cells[0][1]} |", "| --- | --- |"]
        lines += [f"| {left} | {right} |" for left, right in cells[1:]]
        return "\n".join(lines)
    return f"\\{block.text}" if BLOCK_MARKER_RE.match(block.text) else block.text
