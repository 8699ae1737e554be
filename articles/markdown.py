"""The Markdown authoring format: parse a guide file into plain data, and write one back.

Front matter (YAML) between `---` lines; text before the first `## ` is the intro (paragraphs);
`## ` starts a section (optionally `## Heading {#anchor}`). The body is read by markdown-it-py
(CommonMark, GFM tables, task lists and alerts), and each top-level block of a section becomes
one block: a paragraph; a pull quote (a blockquote whose last line starts with an em dash names
its source); a checklist (`- [ ] ` items); a phrase table (two columns) or a data table (three or
more); code (a ``` fence with a language, optionally `title="..."`); an image on its own line
(`![alt](path "caption")`); a list (bulleted or numbered, one level of nesting); a subheading
(`### `); a callout (`> [!NOTE]`, TIP, IMPORTANT, WARNING or CAUTION). Anything else is an error
that names the file and line.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from html import unescape
from urllib.parse import quote, unquote

import nh3
import yaml
from django.utils.text import slugify
from markdown_it import MarkdownIt
from markdown_it.tree import SyntaxTreeNode
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

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
EM_DASH = "\u2014"
# A paragraph that starts like another block (#, >, |, a list item, a fence, an image) is written
# with a backslash before it; the backslash is dropped again on reading.
BLOCK_MARKER_RE = re.compile(r"^(#|>|\||[-*+]\s|\d+[.)]\s|```|~~~|!\[)")
ESCAPED_MARKER_RE = re.compile(r"^\\(#|>|\||[-*+]\s|\d+[.)]\s|```|~~~|!\[)")

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
    text: str  # a code block's code, an image's alt text, a list's or table's lines
    attribution: str = ""  # pull quotes
    language: str = ""  # code
    caption: str = ""  # a code block's title, an image's caption
    style: str = ""  # a callout's kind: note, tip, important, warning, caution
    src: str = ""  # an image's path, relative to the Markdown file
    runnable: bool = False  # code the test suite runs
    # Where the block starts in the file (for errors); not part of the guide.
    line: int = field(default=0, compare=False)


@dataclass
class SectionData:
    heading: str
    anchor: str
    blocks: list[BlockData] = field(default_factory=list)
    # Where the heading is in the file (for errors); not part of the guide.
    line: int = field(default=0, compare=False)


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
    # What the import should tell the editor but does not stop it (an unknown code language).
    warnings: list[str] = field(default_factory=list, compare=False)


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


def front_matter_line(text: str, key: str) -> int | None:
    """The line (from 1) of a top-level front matter key in a guide's text, for errors found
    after parsing (an unknown track); None when the key is not there."""
    pattern = re.compile(rf"{re.escape(key)}\s*:")
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for number, line in enumerate(lines[1:], start=2):
        if line.strip() == "---":
            return None
        if pattern.match(line):
            return number
    return None


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


_body = MarkdownIt("commonmark", {"html": False}).enable("table")
_body.options["tasklists"] = True  # `- [ ] item`: a checklist
_body.options["alerts"] = True  # `> [!NOTE]`: a callout

CALLOUT_STYLES = ("note", "tip", "important", "warning", "caution")
ALERT_RE = re.compile(r"^\[!\w*\]")
REFERENCE_RE = re.compile(r"^ {0,3}\[[^\]]+\]:")
# ```language title="file.py" runnable: the title and the flag are optional; "runnable" asks the
# test suite to run the block (the demo guides' Python).
FENCE_INFO_RE = re.compile(
    r'^(?P<language>[A-Za-z0-9_+#.-]*)(?:\s+title="(?P<title>[^"]*)")?(?P<runnable>\s+runnable)?\s*$'
)
CELL_SPLIT_RE = re.compile(r"(?<!\\)\|")
ASCII_PUNCTUATION_RE = re.compile(r"([!-/:-@\[-`{-~])")


class _Body:
    """Turns the body's markdown-it syntax tree into sections and blocks. `first` is the file's
    line number of the body's first line, so every error names the line in the file."""

    def __init__(self, lines: list[str], first: int, source: str) -> None:
        self.lines, self.first, self.source = lines, first, source
        self.warnings: list[str] = []

    def line(self, node: SyntaxTreeNode) -> int:
        return self.first + (node.map[0] if node.map else 0)

    def error(self, node: SyntaxTreeNode | int, message: str) -> GuideFormatError:
        line = node if isinstance(node, int) else self.line(node)
        return GuideFormatError(self.source, line, message)

    def source_lines(self, node: SyntaxTreeNode) -> list[str]:
        assert node.map is not None
        return self.lines[node.map[0] : node.map[1]]

    def parse(self, guide: GuideData) -> None:
        env: dict = {}
        root = SyntaxTreeNode(_body.parse("\n".join(self.lines), env))
        if env.get("references"):
            # A definition line ("[label]: url") makes no block of its own, so it would be lost.
            line = next((n for n, text in enumerate(self.lines) if REFERENCE_RE.match(text)), None)
            raise GuideFormatError(
                self.source,
                None if line is None else self.first + line,
                "reference-style links are not supported; write [text](https://...)",
            )
        intro: list[str] = []
        section: SectionData | None = None
        anchors: set[str] = set()
        for node in root.children:
            if node.type == "heading" and node.tag == "h2":
                section = self.section(node, anchors)
                guide.sections.append(section)
                continue
            block = self.block(node)
            block.line = self.line(node)
            if section is None:
                if block.kind != "paragraph":
                    raise self.error(node, "the intro may only hold paragraphs")
                intro.append(block.text)
            else:
                section.blocks.append(block)
        guide.intro = "\n\n".join(intro)
        for section in guide.sections:
            if not section.blocks:
                raise GuideFormatError(
                    self.source, section.line, f"the section '{section.heading}' is empty"
                )
        if not guide.sections:
            raise GuideFormatError(self.source, None, "a guide needs at least one '## ' section")
        guide.warnings = self.warnings

    def section(self, node: SyntaxTreeNode, anchors: set[str]) -> SectionData:
        line = self.line(node)
        match = HEADING_RE.match(self.source_lines(node)[0].strip())
        if not match:
            raise self.error(line, "a section heading needs text after '## '")
        heading = match["heading"].strip()
        anchor = match["anchor"] or unique_anchor(heading, anchors)
        if anchor in anchors:
            raise self.error(line, f"the anchor '#{anchor}' is used twice")
        if len(anchor) > 80:
            raise self.error(line, "an anchor is longer than 80 characters")
        if len(heading) > 200:
            raise self.error(line, "a heading is longer than 200 characters")
        anchors.add(anchor)
        return SectionData(heading=heading, anchor=anchor, line=line)

    def block(self, node: SyntaxTreeNode) -> BlockData:
        kind = node.type
        if kind == "paragraph":
            return self.paragraph(node)
        if kind == "heading":
            if node.tag != "h3":
                raise self.error(
                    node, "only '## ' section headings and '### ' subheadings are supported"
                )
            text = " ".join(node.children[0].content.split())
            if not text or len(text) > 200:
                raise self.error(node, "a subheading needs text, at most 200 characters")
            return BlockData(kind="subheading", text=text)
        if kind == "blockquote":
            return self.quote(node)
        if kind == "alert":
            return self.callout(node)
        if kind in ("bullet_list", "ordered_list"):
            return self.list_block(node)
        if kind == "fence":
            return self.code(node)
        if kind == "table":
            return self.table(node)
        if kind == "code_block":
            raise self.error(node, "indented code is not supported; put code in a ``` fence")
        if kind == "hr":
            raise self.error(node, "a horizontal rule (---) is not supported")
        raise self.error(node, "this kind of block is not supported")

    def paragraph(self, node: SyntaxTreeNode) -> BlockData:
        lines = self.source_lines(node)
        inline = node.children[0]
        images = [child for child in inline.children if child.type == "image"]
        if images:
            if len(inline.children) != 1:
                raise self.error(node, "an image must stand on a line of its own")
            return self.image(node, images[0])
        if lines[0].lstrip().startswith("|"):
            raise self.error(
                self.line(node) + 1, "the second row of a table must be '| --- | --- |'"
            )
        for offset, line in enumerate(lines[1:], start=1):
            if line.lstrip().startswith("|"):
                raise self.error(
                    self.line(node) + offset,
                    "a table must be separated from the paragraph by a blank line",
                )
        text = " ".join(line.strip() for line in lines)
        if ESCAPED_MARKER_RE.match(text):
            text = text[1:]  # written escaped so it is not read as a quote, list, table or heading
        return BlockData(kind="paragraph", text=text)

    def image(self, node: SyntaxTreeNode, image: SyntaxTreeNode) -> BlockData:
        alt = " ".join(_plain(image).split())
        if not alt:
            raise self.error(node, "an image needs alt text: ![what the image shows](path)")
        # markdown-it percent-encodes the path; the file is named by the decoded one.
        src = unquote(str(image.attrs.get("src", "")))
        if not src or "://" in src or src.startswith(("/", "data:")):
            raise self.error(node, "an image's path must be relative to the Markdown file")
        caption = str(image.attrs.get("title") or "").strip()
        if len(alt) > 500 or len(caption) > 300:
            raise self.error(node, "alt text may be 500 characters and a caption 300")
        return BlockData(kind="image", text=alt, caption=caption, src=src)

    def quote(self, node: SyntaxTreeNode) -> BlockData:
        if any(child.type != "paragraph" for child in node.children):
            raise self.error(node, "a pull quote holds text only")
        lines = self.source_lines(node)
        for offset, line in enumerate(lines):
            if not line.lstrip().startswith(">"):
                raise self.error(
                    self.line(node) + offset, "every line of a pull quote must start with '>'"
                )
        body = [line.lstrip()[1:].strip() for line in lines]
        if ALERT_RE.match(body[0]):
            raise self.error(node, f"a callout is one of {', '.join(CALLOUT_STYLES)}")
        attribution = ""
        if len(body) > 1 and body[-1].startswith(EM_DASH):
            attribution = body.pop().lstrip(EM_DASH).strip()
        text = " ".join(line for line in body if line)
        if not text:
            raise self.error(node, "a pull quote needs text")
        if len(attribution) > 200:
            raise self.error(
                self.line(node) + len(body), "an attribution is longer than 200 characters"
            )
        return BlockData(kind="quote", text=text, attribution=attribution)

    def callout(self, node: SyntaxTreeNode) -> BlockData:
        style = str(node.meta.get("kind", "")).lower()
        paragraphs = [child for child in node.children if child.type != "alert_title"]
        if style not in CALLOUT_STYLES:
            raise self.error(node, f"a callout is one of {', '.join(CALLOUT_STYLES)}")
        if not paragraphs or any(child.type != "paragraph" for child in paragraphs):
            raise self.error(node, "a callout holds text paragraphs only")
        if any(_has_image(p) for p in paragraphs):
            raise self.error(node, "an image must stand on a line of its own, not in a callout")
        text = "\n\n".join(" ".join(p.children[0].content.split()) for p in paragraphs)
        return BlockData(kind="callout", text=text, style=style)

    def list_block(self, node: SyntaxTreeNode) -> BlockData:
        items = node.children
        ticks = [item.meta.get("checked") is not None for item in items]
        if all(ticks) and node.type == "bullet_list":
            texts = []
            for item in items:
                self.list_item(item, nested_allowed=False, checklist=True)
                texts.append(" ".join(item.children[0].children[0].content.split()))
            return BlockData(kind="checklist", text="\n".join(texts))
        if any(ticks):
            raise self.error(
                node,
                "a list mixes checklist items ('- [ ] ') with plain items; separate them with "
                "a paragraph or give the plain list other markers ('*' or '1.')",
            )
        return BlockData(kind="list", text="\n".join(self.list_lines(node)))

    def list_lines(self, node: SyntaxTreeNode, indent: str = "") -> list[str]:
        """The list as Markdown lines; a nested list is indented to its parent item's text
        (two spaces under "- ", three under "1. "), as CommonMark needs."""
        start = int(node.attrs.get("start", 1)) if node.type == "ordered_list" else 0
        lines = []
        for index, item in enumerate(node.children):
            nested = self.list_item(item, nested_allowed=not indent, checklist=False)
            marker = f"{start + index}." if node.type == "ordered_list" else "-"
            text = " ".join(item.children[0].children[0].content.split()) if item.children else ""
            lines.append(f"{indent}{marker} {text}")
            if nested is not None:
                lines += self.list_lines(nested, " " * (len(marker) + 1))
        return lines

    def list_item(
        self, item: SyntaxTreeNode, *, nested_allowed: bool, checklist: bool
    ) -> SyntaxTreeNode | None:
        """The item's nested list, if any; an error for anything but text and one nested list."""
        children = item.children
        what = "a checklist item" if checklist else "a list item"
        if not children or children[0].type != "paragraph" or not children[0].children[0].content:
            raise self.error(item, f"{what} needs text")
        if _has_image(children[0]):
            raise self.error(item, "an image must stand on a line of its own, not in a list")
        rest = children[1:]
        if not rest:
            return None
        if checklist:
            raise self.error(item, "a checklist item is one line of text")
        if not nested_allowed:
            raise self.error(item, "lists nest one level deep at most")
        if len(rest) > 1 or rest[0].type not in ("bullet_list", "ordered_list"):
            raise self.error(item, "a list item holds one paragraph and, at most, one nested list")
        return rest[0]

    def code(self, node: SyntaxTreeNode) -> BlockData:
        match = FENCE_INFO_RE.match(node.info.strip())
        if not match:
            raise self.error(
                node, 'a code fence is ```language, then optionally title="..." and runnable'
            )
        language, title = match["language"].lower(), (match["title"] or "").strip()
        if len(language) > 40 or len(title) > 200:
            raise self.error(node, "a language may be 40 characters and a title 200")
        if match["runnable"] and language != "python":
            raise self.error(node, "only python code can be marked runnable")
        if language and not known_language(language):
            self.warnings.append(
                f"{self.source}:{self.line(node)}: unknown language '{language}'; the code "
                "is shown as plain text"
            )
        code = node.content.rstrip("\n")
        if not code.strip():
            raise self.error(node, "a code block needs code")
        return BlockData(
            kind="code",
            text=code,
            language=language,
            caption=title,
            runnable=bool(match["runnable"]),
        )

    def table(self, node: SyntaxTreeNode) -> BlockData:
        if _has_image(node):
            raise self.error(node, "an image must stand on a line of its own, not in a table")
        lines = self.source_lines(node)
        first = self.line(node)
        header = _cells(lines[0])
        columns = len(header)
        rows: list[list[str]] = []
        for offset, line in enumerate(lines):
            if offset == 1:
                continue
            cells = _cells(line)
            if columns == 2 and (len(cells) != 2 or not all(cells)):
                raise self.error(
                    first + offset, "a phrase table row needs exactly two non-empty cells"
                )
            if len(cells) != columns:
                raise self.error(
                    first + offset, f"this row has {len(cells)} cells; the header has {columns}"
                )
            rows.append(cells)
        if len(rows) < 2:
            raise self.error(node, "a table needs a header row, a '| --- | --- |' row and rows")
        if columns == 2:
            return BlockData(kind="phrases", text="\n".join(f"{a} | {b}" for a, b in rows))
        if columns > 8:
            raise self.error(node, "a table may have at most 8 columns")
        return BlockData(kind="table", text="\n".join(" | ".join(row) for row in rows))


def _cells(line: str) -> list[str]:
    """A table row's cells as written (a `\\|` inside a cell stays escaped)."""
    row = line.strip()
    if row.startswith("|"):
        row = row[1:]
    if row.endswith("|") and not row.endswith("\\|"):
        row = row[:-1]
    return [cell.strip() for cell in CELL_SPLIT_RE.split(row)]


def stored_cells(line: str) -> list[str]:
    """A stored table row's cells ("a | b | c"; a `\\|` inside a cell stays escaped): an empty
    first or last cell stays a cell."""
    return [cell.strip() for cell in CELL_SPLIT_RE.split(line)]


def _has_image(node: SyntaxTreeNode) -> bool:
    return node.type == "image" or any(_has_image(child) for child in node.children)


def _plain(node: SyntaxTreeNode) -> str:
    """The text of an inline node and its children (an image's alt text)."""
    if node.type in ("text", "code_inline"):
        return node.content
    if node.type in ("softbreak", "hardbreak"):
        return " "
    return "".join(_plain(child) for child in node.children)


def known_language(language: str) -> bool:
    try:
        get_lexer_by_name(language)
    except ClassNotFound:
        return False
    return True


def _parse_body(guide: GuideData, lines: list[str], start: int, source: str) -> None:
    _Body(lines[start:], start + 1, source).parse(guide)


def unique_anchor(heading: str, taken: set[str]) -> str:
    base = (slugify(heading) or "section")[:72].strip("-")
    anchor, n = base, 2
    while anchor in taken:
        anchor, n = f"{base}-{n}", n + 1
    return anchor


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
    if block.kind in ("phrases", "table"):
        rows = [stored_cells(line) for line in block.text.splitlines() if line.strip()]
        lines = [_row(rows[0]), _row(["---"] * len(rows[0]))]
        return "\n".join(lines + [_row(row) for row in rows[1:]])
    if block.kind == "code":
        # A fence longer than any run of backticks in the code.
        longest = max((len(run) for run in re.findall(r"`{3,}", block.text)), default=2)
        fence = "`" * (longest + 1)
        info = block.language + (f' title="{block.caption}"' if block.caption else "")
        info += " runnable" if block.runnable else ""
        return f"{fence}{info}\n{block.text}\n{fence}"
    if block.kind == "image":
        # Alt text is plain text: every ASCII punctuation mark is escaped, so none reads as
        # Markdown; the path is percent-encoded where Markdown needs it (spaces, brackets).
        alt = ASCII_PUNCTUATION_RE.sub(r"\\\1", block.text)
        caption = block.caption.replace("\\", "\\\\").replace('"', '\\"')
        src = quote(block.src, safe="/-_.~")
        return f"![{alt}]({src}{f' "{caption}"' if caption else ''})"
    if block.kind == "list":
        return block.text
    if block.kind == "subheading":
        return f"### {block.text}"
    if block.kind == "callout":
        body = "\n>\n".join(f"> {paragraph}" for paragraph in block.text.split("\n\n"))
        return f"> [!{block.style.upper()}]\n{body}"
    return f"\\{block.text}" if BLOCK_MARKER_RE.match(block.text) else block.text


def check_block(block: BlockData) -> str | None:
    """Why a block as typed into a form would not survive a trip through Markdown, or None: it
    is written out and read back, and must come back as one block of the same kind."""
    if block.kind == "image":
        return None if block.text.strip() else "An image needs alt text."
    text = f"---\ntitle: x\nslug: x\ntrack: x\ndek: x\n---\n\n## x\n\n{_write_block(block)}\n"
    try:
        blocks = parse_guide(text, "block").sections[0].blocks
    except GuideFormatError as exc:
        return exc.message[0].upper() + exc.message[1:] + "."
    if len(blocks) != 1 or blocks[0].kind != block.kind:
        kinds = ", ".join(b.kind for b in blocks)
        return f"This text reads as {kinds}, not one {block.kind} block."
    # What would not come back as typed (a list's or a table's lines may be written in another
    # spelling of the same thing).
    for name in ("text", "attribution", "language", "caption", "style", "runnable"):
        if name == "text" and block.kind in ("list", "table", "phrases", "checklist"):
            continue
        if getattr(blocks[0], name) != getattr(block, name):
            return (
                f"Written as Markdown, the {name} would read back as "
                f"{getattr(blocks[0], name)!r}; change it so it reads as typed."
            )
    return None


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"
