"""The Markdown authoring format: parse a guide file into plain data, and write one back.

YAML front matter between `---` lines (mdit-py-plugins' front matter plugin finds it;
articles.forms.FrontMatterForm validates it); text before the first `## ` is the intro
(paragraphs); `## ` starts a section (optionally `## Heading {#anchor}`). The body is read by
markdown-it-py (CommonMark, GFM tables, task lists and alerts), and each top-level block of a
section becomes one block of the kind that reads it (articles.blocks: paragraphs, pull quotes,
checklists, phrase and data tables, code, images, lists, subheadings, callouts). Anything else is
an error that names the file and line.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import yaml
from django import forms
from django.utils.text import slugify
from markdown_it import MarkdownIt
from markdown_it.tree import SyntaxTreeNode
from mdit_py_plugins.attrs.parse import ParseError
from mdit_py_plugins.attrs.parse import parse as parse_attributes
from mdit_py_plugins.front_matter import front_matter_plugin

from .blocks import BlockData, GuideFormatError, Reader, registry
from .forms import FrontMatterForm, form_errors
from .inline import inline_to_text, render_inline

__all__ = [
    "BlockData",
    "GuideData",
    "GuideFormatError",
    "SectionData",
    "check_block",
    "front_matter_line",
    "inline_to_text",
    "parse_guide",
    "render_inline",
    "unique_anchor",
    "write_block",
    "write_guide",
]

REFERENCE_RE = re.compile(r"^ {0,3}\[[^\]]+\]:")
ANCHOR_RE = re.compile(r"^[A-Za-z0-9_-]+$")
# The braces at the end of a heading: `## Heading {#anchor}`.
TRAILING_BRACES_RE = re.compile(r"\s*(\{[^{}]*\})\s*$")
# What a top-level node no kind reads is, in the editor's words.
UNSUPPORTED = {
    "heading": "only '## ' section headings and '### ' subheadings are supported",
    "code_block": "indented code is not supported; put code in a ``` fence",
    "hr": "a horizontal rule (---) is not supported",
}


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
    patterns: list[str] = field(default_factory=list)  # the coding patterns' slugs
    axes: list[str] = field(default_factory=list)  # the mock rubric's axes it trains (keys)
    intro: str = ""
    sections: list[SectionData] = field(default_factory=list)
    # What the import should tell the editor but does not stop it (an unknown code language).
    warnings: list[str] = field(default_factory=list, compare=False)


# --- Parsing -----------------------------------------------------------------------------------

_markdown = MarkdownIt("commonmark", {"html": False}).enable("table").use(front_matter_plugin)
# The same reading with HTML recognised, only to find raw HTML and refuse it by its line (the
# guide's own reading would show it to readers as literal text).
_with_html = MarkdownIt("commonmark", {"html": True}).enable("table").use(front_matter_plugin)
_markdown.options["tasklists"] = True  # `- [ ] item`: a checklist
_markdown.options["alerts"] = True  # `> [!NOTE]`: a callout


def syntax_nodes(text: str) -> list[SyntaxTreeNode]:
    """The top-level nodes of a file in the site's Markdown (front matter, tables, task lists,
    alerts): for other formats built on it (a problem's)."""
    return SyntaxTreeNode(_markdown.parse(text)).children


def refuse_nul(text: str, source: str) -> None:
    """A NUL character is no text (and Postgres cannot store one): an error naming its line."""
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise GuideFormatError(source, line, "the line holds a NUL character (\\x00)")


def parse_guide(
    text: str,
    source: str = "<guide>",
    *,
    refuse_html: bool = True,
    check: FrontMatterCheck | None = None,
) -> GuideData:
    """Parse one guide file; raise GuideFormatError naming the line of the first problem, with
    every further one found (front matter, raw HTML, the body) in its `others`. `check`: further
    rules for the front matter's valid values (articles.services, articles.editor)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    refuse_nul(text, source)
    lines = text.split("\n")
    env: dict = {}
    nodes = SyntaxTreeNode(_markdown.parse(text, env)).children
    if not nodes or nodes[0].type != "front_matter":
        if lines[0].strip() == "---":
            raise GuideFormatError(source, 1, "the front matter has no closing '---' line")
        raise GuideFormatError(source, 1, "the file must start with '---' and YAML front matter")
    reader = Reader(lines, source)
    guide, errors = front_matter_data(
        GuideData,
        GuideData(title="", slug="", track="", dek=""),
        nodes[0].content,
        text,
        source,
        FrontMatterForm,
        check,
    )
    if env.get("references"):
        # A definition line ("[label]: url") makes no block of its own, so it would be lost.
        line = next((n for n, line in enumerate(lines, start=1) if REFERENCE_RE.match(line)), None)
        errors.append(
            GuideFormatError(
                source, line, "reference-style links are not supported; write [text](https://...)"
            )
        )
    if refuse_html:
        errors += raw_html(text, source)
    try:
        _read_body(guide, nodes[1:], reader)
    except GuideFormatError as exc:
        errors += exc.all()
    raise_all(errors)
    return guide


def joined(errors: list[GuideFormatError]) -> GuideFormatError:
    """The first of these errors by line, with the rest (each said once) in its `others`."""
    unique: dict[tuple[int | None, str], GuideFormatError] = {}
    for error in errors:
        unique.setdefault((error.line, error.message), error)
    ordered = sorted(unique.values(), key=lambda error: error.line or 0)
    first, first.others = ordered[0], ordered[1:]
    return first


def raise_all(errors: list[GuideFormatError]) -> None:
    """Raise every one of these errors at once (joined); nothing when there are none."""
    if errors:
        raise joined(errors)


def raw_html(text: str, source: str) -> list[GuideFormatError]:
    """An error for each line holding raw HTML (a block such as `<div>`, or a tag or comment
    inside a paragraph); HTML written in code (`<div>` in backticks or a fence) is code."""
    errors: list[GuideFormatError] = []
    message = "raw HTML is not supported; write Markdown, or put the HTML in `code`"
    for token in _with_html.parse(text):
        if token.type == "html_block" and token.map:
            errors.append(GuideFormatError(source, token.map[0] + 1, message))
        elif token.type == "inline" and token.map and token.children:
            line = token.map[0] + 1
            for child in token.children:
                if child.type in ("softbreak", "hardbreak"):
                    line += 1
                elif child.type == "html_inline" and not any(e.line == line for e in errors):
                    errors.append(GuideFormatError(source, line, message))
    return errors


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


class UnreadableFrontMatter(GuideFormatError):
    """Front matter that is not YAML 'key: value' lines at all: the one error of its file (what
    follows is not read, as its keys are not known)."""


# Further rules for a front matter's valid values (a track that exists, patterns that do):
# given them, (key, message) for each that is wrong, the message naming the key.
FrontMatterCheck = Callable[[dict[str, Any]], list[tuple[str, str]]]


def front_matter_data[T](
    make: Callable[..., T],
    blank: T,
    raw: str,
    text: str,
    source: str,
    form_class: type[forms.Form],
    check: FrontMatterCheck | None = None,
) -> tuple[T, list[GuideFormatError]]:
    """The front matter as `make(**values)` and no errors; or, when keys are wrong, `blank` and
    every error, so that the body is read all the same and every error is listed at once. YAML
    that does not parse raises (UnreadableFrontMatter): nothing after it can be read."""
    try:
        return make(**front_matter_values(raw, text, source, form_class, check)), []
    except UnreadableFrontMatter:
        raise
    except GuideFormatError as exc:
        return blank, exc.all()


def front_matter_values(
    raw: str,
    text: str,
    source: str,
    form_class: type[forms.Form],
    check: FrontMatterCheck | None = None,
) -> dict[str, Any]:
    """The front matter's YAML checked by `form_class` (a guide's or a problem's), then by
    `check`: its cleaned values, or a GuideFormatError with every key that is wrong, each at its
    line (a key that is missing: the first line). A key the form does not name is refused, so a
    typo is never silently ignored. YAML that does not parse is one error."""
    try:
        meta = yaml.safe_load(raw)
    except (ValueError, OverflowError) as exc:
        # PyYAML raises these for impossible dates such as 2026-02-30.
        raise UnreadableFrontMatter(
            source, None, f"front matter has an invalid value ({exc})"
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 2
        problem = getattr(exc, "problem", None) or str(exc)
        raise UnreadableFrontMatter(
            source, line, f"front matter is not valid YAML ({problem})"
        ) from None
    if not isinstance(meta, dict):
        raise UnreadableFrontMatter(source, 2, "front matter must be 'key: value' lines")
    keys = frozenset(form_class.base_fields)

    def error(key: str, message: str) -> GuideFormatError:
        return GuideFormatError(source, front_matter_line(text, key) or 1, message)

    errors = [
        error(key, f"unknown front matter key: {key} (allowed: {', '.join(sorted(keys))})")
        for key in map(str, meta)
        if key not in keys
    ]
    form = form_class(data={key: value for key, value in meta.items() if key in keys})
    form.is_valid()
    errors += [error(key, f"front matter '{key}': {message}") for key, message in form_errors(form)]
    if check is not None:
        valid = {key: value for key, value in form.cleaned_data.items() if key not in form.errors}
        errors += [error(key, message) for key, message in check(valid)]
    raise_all(errors)
    return form.cleaned_data


def _read_body(guide: GuideData, nodes: list[SyntaxTreeNode], reader: Reader) -> None:
    """Read the blocks after the front matter. Reading goes on past an error, so that an editor
    sees every problem at once: the first is raised with the rest in its `others`."""
    intro: list[str] = []
    section: SectionData | None = None
    anchors: set[str] = set()
    errors: list[GuideFormatError] = []
    failed: set[int] = set()  # sections with a block in error are not also called empty
    for node in nodes:
        try:
            if node.type == "heading" and node.tag == "h2":
                section = SectionData(heading="", anchor="", line=reader.line(node))
                section = _section(node, anchors, reader)
                guide.sections.append(section)
                continue
            kind = registry.reading(node)
            if kind is None:
                raise reader.error(
                    node, UNSUPPORTED.get(node.type, "this kind of block is not supported")
                )
            block = kind.parse(node, reader)
            block.line = reader.line(node)
            if section is None:
                if block.kind != "paragraph":
                    raise reader.error(node, "the intro may only hold paragraphs")
                intro.append(block.text)
            else:
                section.blocks.append(block)
        except GuideFormatError as exc:
            errors.append(exc)
            if section is not None:
                failed.add(id(section))
    guide.intro = "\n\n".join(intro)
    errors.extend(
        reader.error(section.line, f"the section '{section.heading}' is empty")
        for section in guide.sections
        if not section.blocks and id(section) not in failed
    )
    if not guide.sections and not errors:
        raise GuideFormatError(reader.source, None, "a guide needs at least one '## ' section")
    if errors:
        errors.sort(key=lambda error: error.line or 0)
        first = errors[0]
        first.others = errors[1:]
        raise first
    guide.warnings = reader.warnings


def heading_anchor(content: str) -> tuple[str, str | None]:
    """A section heading's text and the anchor its trailing `{#anchor}` names, if any.
    mdit-py-plugins' attrs plugins read braces after inline elements or on a line of their own
    before a block, not at the end of a heading (Pandoc's and kramdown's spelling, which guides
    use), so this rule finds the braces and the plugin's attribute parser reads them."""
    match = TRAILING_BRACES_RE.search(content)
    if match is None:
        return content.strip(), None
    braces = match.group(1)
    try:
        end, attributes = parse_attributes(braces)
    except ParseError:
        return content.strip(), None  # braces that are not attributes are the heading's text
    if end != len(braces) - 1 or set(attributes) != {"id"}:
        return content.strip(), None
    return content[: match.start()].strip(), attributes["id"]


def _section(node: SyntaxTreeNode, anchors: set[str], reader: Reader) -> SectionData:
    line = reader.line(node)
    content = node.children[0].content if node.children else ""
    heading, anchor = heading_anchor(content)
    if node.markup != "##" or not heading:
        raise reader.error(line, "a section heading needs text after '## '")
    if anchor is not None and not ANCHOR_RE.match(anchor):
        raise reader.error(line, "an anchor is letters, digits, '-' and '_'")
    anchor = anchor or unique_anchor(heading, anchors)
    if anchor in anchors:
        raise reader.error(line, f"the anchor '#{anchor}' is used twice")
    if len(anchor) > 80:
        raise reader.error(line, "an anchor is longer than 80 characters")
    if len(heading) > 200:
        raise reader.error(line, "a heading is longer than 200 characters")
    anchors.add(anchor)
    return SectionData(heading=heading, anchor=anchor, line=line)


def unique_anchor(heading: str, taken: set[str]) -> str:
    base = (slugify(heading) or "section")[:72].strip("-")
    anchor, n = base, 2
    while anchor in taken:
        anchor, n = f"{base}-{n}", n + 1
    return anchor


# --- Writing -----------------------------------------------------------------------------------


def yaml_quoted(value: str) -> str:
    """Text as a YAML double-quoted scalar (a JSON string is one)."""
    return json.dumps(value, ensure_ascii=False)


def front_matter_moment(when: dt.datetime) -> str:
    """A time as front matter writes it: UTC, ISO 8601 with `Z`, to the microsecond if any."""
    when = when.astimezone(dt.UTC)
    stamp = when.strftime("%Y-%m-%dT%H:%M:%S")
    if when.microsecond:
        stamp += f".{when.microsecond:06d}"
    return f"{stamp}Z"


def write_guide(guide: GuideData) -> str:
    """The Markdown file for a guide; parse_guide(write_guide(g)) equals g."""
    meta = [
        "---",
        f"title: {yaml_quoted(guide.title)}",
        f"slug: {guide.slug}",
        f"track: {guide.track}",
    ]
    if guide.track_title:
        meta.append(f"track_title: {yaml_quoted(guide.track_title)}")
    if guide.patterns:
        meta.append(f"patterns: [{', '.join(guide.patterns)}]")
    if guide.axes:
        meta.append(f"axes: [{', '.join(guide.axes)}]")
    meta += [
        f"dek: {yaml_quoted(guide.dek)}",
        f"access: {guide.access}",
        f"preview_sections: {guide.preview_sections}",
        f"status: {guide.status}",
    ]
    if guide.published_at:
        meta.append(f"published_at: {front_matter_moment(guide.published_at)}")
    meta.append("---")
    parts = ["\n".join(meta)]
    if guide.intro:
        parts.append(guide.intro)
    for section in guide.sections:
        heading = f"## {section.heading}"
        if section.anchor != unique_anchor(section.heading, set()):
            heading += f" {{#{section.anchor}}}"
        parts.append(heading)
        parts.extend(write_block(block) for block in section.blocks)
    return "\n\n".join(parts) + "\n"


def write_block(block: BlockData) -> str:
    return registry.get(block.kind).write(block)


SECTION_HEADER = "---\ntitle: x\nslug: x\ntrack: x\ndek: x\n---\n\n## x\n\n"


def read_blocks(
    markdown: str, source: str = "block", first_line: int = 1, *, refuse_html: bool = True
) -> list[BlockData]:
    """The blocks of one section's Markdown; an error names its line counted from
    `first_line` (where the Markdown starts in its file). Raw HTML is an error, unless
    `refuse_html` is False (text already stored, rendered: its HTML is shown as text)."""
    try:
        text = SECTION_HEADER + markdown + "\n"
        return parse_guide(text, source, refuse_html=refuse_html).sections[0].blocks
    except GuideFormatError as exc:
        offset = first_line - 1 - SECTION_HEADER.count("\n")
        moved = [
            GuideFormatError(source, error.line + offset if error.line else None, error.message)
            for error in exc.all()
        ]
        raise joined(moved) from None


def check_block(block: BlockData) -> str | None:
    """Why a block as typed into a form would not survive a trip through Markdown, or None: it
    is written out and read back, and must come back as one block of the same kind."""
    kind = registry.get(block.kind)
    try:
        blocks = read_blocks(kind.write(block))
    except GuideFormatError as exc:
        return exc.message[0].upper() + exc.message[1:] + "."
    if len(blocks) != 1 or blocks[0].kind != block.kind:
        kinds = ", ".join(b.kind for b in blocks)
        return f"This text reads as {kinds}, not one {block.kind} block."
    # What would not come back as typed (a list's or a table's lines may be written in another
    # spelling of the same thing).
    for name in ("text", "attribution", "language", "caption", "style", "runnable"):
        if name == "text" and not kind.exact_text:
            continue
        if getattr(blocks[0], name) != getattr(block, name):
            return (
                f"Written as Markdown, the {name} would read back as "
                f"{getattr(blocks[0], name)!r}; change it so it reads as typed."
            )
    return None
