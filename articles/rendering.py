"""A guide's body as HTML for one access level, cached per guide version and access level.

The cache key carries the access level, so a full rendering can never be served to a reader who
only may see the preview; it carries the version, so an edit is never hidden behind a stale copy.
"""

from __future__ import annotations

from dataclasses import dataclass

import nh3
from django.core.cache import cache
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import slugify
from markdown_it import MarkdownIt
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import TextLexer, get_lexer_by_name
from pygments.util import ClassNotFound

from pages.shells import Fragment, render_fragment, without_marks

from .markdown import CELL_SPLIT_RE, inline_to_text, render_inline
from .models import Block, Guide, Section

CACHE_SECONDS = 60 * 60 * 24

# Token classes only: the colours are at the end of static/css/site.css (articles.code_style).
_code_formatter = HtmlFormatter(nowrap=True)
_lists = MarkdownIt("commonmark", {"html": False})


@dataclass(frozen=True)
class RenderedBody:
    toc: list[dict]  # {"heading", "anchor", "locked"} for every section
    html: Fragment  # with holes for a reader's ticks and the checklist form (pages.shells)
    locked_count: int
    # Checklist item ids of each visible section (section id -> item ids): what a reader's
    # ticks are counted against.
    checklists: dict[int, list[int]]
    has_code: bool = False  # whether the page needs the code styles and the copy button


def intro_html(text: str) -> SafeString:
    paragraphs = [p for p in text.split("\n\n") if p.strip()]
    return mark_safe("".join(f"<p>{render_inline(p)}</p>" for p in paragraphs))


def highlighted(code: str, language: str) -> SafeString:
    """Code as HTML with Pygments' token classes; an unknown language is plain text."""
    try:
        lexer = get_lexer_by_name(language) if language else TextLexer()
    except ClassNotFound:
        lexer = TextLexer()
    return mark_safe(without_marks(highlight(code, lexer, _code_formatter)).rstrip("\n"))


def list_html(text: str) -> SafeString:
    """A list block's Markdown lines as <ul>/<ol>, with inline Markdown in the items."""
    html = _lists.render(text)
    return mark_safe(
        without_marks(
            nh3.clean(
                html,
                tags={"ul", "ol", "li", "p", "em", "strong", "code", "a", "br"},
                attributes={"a": {"href", "title"}, "ol": {"start"}},
                url_schemes={"http", "https", "mailto"},
                link_rel="noopener nofollow",
            )
        )
    )


def table_cells(line: str) -> list[SafeString]:
    """A data-table row's cells as HTML; `\\|` is a pipe in a cell, code spans included (GFM
    reads it before the inline Markdown)."""
    return [
        mark_safe(render_inline(cell.strip().replace("\\|", "|")))
        for cell in CELL_SPLIT_RE.split(line)
    ]


def block_context(
    block: Block, *, anchor: str = "", lazy: bool = True, public: bool | None = None
) -> dict:
    """What the guide body template needs of a block (`anchor`: a subheading's; `lazy`: whether
    an image may load late; `public`: whether its image is public, looked up when not given)."""
    context: dict = {"kind": block.kind, "id": block.pk}
    if block.kind == Block.Kind.CHECKLIST:
        context["items"] = [
            (item.pk, mark_safe(render_inline(item.text))) for item in block.item_rows.all()
        ]
    elif block.kind == Block.Kind.PHRASES:
        columns, rows = block.table
        context["columns"] = columns
        context["rows"] = rows
    elif block.kind == Block.Kind.TABLE:
        lines = block.items
        context["columns"] = table_cells(lines[0])
        context["rows"] = [table_cells(line) for line in lines[1:]]
        context["label"] = "Table: " + ", ".join(inline_to_text(c) for c in context["columns"])
    elif block.kind == Block.Kind.CODE:
        context["html"] = highlighted(block.text, block.language)
        context["language"] = slugify(block.language) or "text"
        context["title"] = block.caption
    elif block.kind == Block.Kind.IMAGE:
        image = block.image
        context.update(
            alt=block.text,
            caption=block.caption,
            lazy=lazy,
            src=image.url("1x.webp", public=public) if image else "",
            src_2x=image.url("2x.webp", public=public) if image else "",
            width=image.width if image else 0,
            height=image.height if image else 0,
        )
    elif block.kind == Block.Kind.LIST:
        context["html"] = list_html(block.text)
    elif block.kind == Block.Kind.SUBHEADING:
        context["html"] = mark_safe(render_inline(block.text))
        context["anchor"] = anchor
    elif block.kind == Block.Kind.CALLOUT:
        context["style"] = block.style or "note"
        context["label"] = Block.Style(context["style"]).label
        context["paragraphs"] = [mark_safe(render_inline(p)) for p in block.text.split("\n\n")]
    else:
        context["html"] = mark_safe(render_inline(block.text))
        context["attribution"] = block.attribution
    return context


def subheading_anchors(section: Section, taken: set[str]) -> dict[int, str]:
    """Each subheading's anchor (block id -> anchor): the section's anchor and its own words,
    unique in the guide."""
    anchors = {}
    for block in section.blocks.all():
        if block.kind == Block.Kind.SUBHEADING:
            base = f"{section.anchor}-{slugify(inline_to_text(block.text)) or 'part'}"[:90]
            anchor, n = base, 2
            while anchor in taken:
                anchor, n = f"{base}-{n}", n + 1
            taken.add(anchor)
            anchors[block.pk] = anchor
    return anchors


def guide_body(guide: Guide, *, full: bool, cached: bool = True) -> RenderedBody:
    """The intro, table of contents and sections a reader of this access level may see; kept in
    the cache unless `cached` is False (the Markdown editor's preview, whose version number a
    real save will reuse)."""
    level = "full" if full or guide.cut is None else "preview"
    shown = guide.is_public
    # The access settings are in the key too, so no race between a save and a refresh can serve a
    # rendering made under a wider preview to a reader without access; and whether the guide is
    # public, which the images' addresses say (a scheduled guide goes public with no save).
    key = (
        f"guide-body:{guide.pk}:v{guide.version}:{guide.access}"
        f":{guide.preview_sections}:{level}:{'public' if shown else 'hidden'}"
    )
    kept = cache.get(key) if cached else None
    if kept is not None:
        return RenderedBody(
            toc=kept["toc"],
            html=Fragment(kept["html"]),
            locked_count=kept["locked"],
            checklists=kept["checklists"],
            has_code=kept["has_code"],
        )
    sections: list[Section] = list(
        guide.sections.prefetch_related("blocks__item_rows", "blocks__image")
    )
    visible = len(sections) if level == "full" else guide.preview_sections
    # The images everyone may see, as articles.images.image_is_public decides it (shown before
    # the cut of a published guide): their addresses say so, and change when that changes.
    free = sections if guide.cut is None else sections[: guide.cut]
    public = {b.image_id for s in free for b in s.blocks.all() if b.image_id} if shown else set()
    taken = {s.anchor for s in sections}
    anchors = {s.pk: subheading_anchors(s, taken) for s in sections[:visible]}
    # Past the cut a visitor sees a section's heading only, never what is inside it.
    toc = [
        {
            "heading": s.heading,
            "anchor": s.anchor,
            "locked": index >= visible,
            "subheadings": [
                {"heading": inline_to_text(b.text), "anchor": anchors[s.pk][b.pk]}
                for b in s.blocks.all()
                if b.kind == Block.Kind.SUBHEADING
            ]
            if index < visible
            else [],
        }
        for index, s in enumerate(sections)
    ]
    checklists = {
        s.pk: ids
        for s in sections[:visible]
        if (
            ids := [
                item.pk
                for b in s.blocks.all()
                if b.kind == Block.Kind.CHECKLIST
                for item in b.item_rows.all()
            ]
        )
    }
    html = render_fragment(
        "articles/includes/guide_body.html",
        {
            "intro": intro_html(guide.intro),
            "sections": [
                {
                    "id": s.pk,
                    "heading": s.heading,
                    "anchor": s.anchor,
                    "blocks": [
                        # Images in the first section may be on screen at once; the rest load
                        # as the reader scrolls to them.
                        block_context(
                            b,
                            anchor=anchors[s.pk].get(b.pk, ""),
                            lazy=index > 0,
                            public=b.image_id in public,
                        )
                        for b in s.blocks.all()
                    ],
                    "checklist_total": len(checklists.get(s.pk, [])),
                }
                for index, s in enumerate(sections[:visible])
            ],
            "tick_url": reverse("study:tick_block"),
        },
    )
    locked = len(sections) - min(visible, len(sections))
    has_code = any(b.kind == Block.Kind.CODE for s in sections[:visible] for b in s.blocks.all())
    if cached:
        cache.set(
            key,
            {
                "toc": toc,
                "html": html.html,
                "locked": locked,
                "checklists": checklists,
                "has_code": has_code,
            },
            CACHE_SECONDS,
        )
    return RenderedBody(
        toc=toc, html=html, locked_count=locked, checklists=checklists, has_code=has_code
    )
