"""A guide's body as HTML for one access level, cached per guide version and access level.

The cache key carries the access level, so a full rendering can never be served to a reader who
only may see the preview; it carries the version, so an edit is never hidden behind a stale copy.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.cache import cache
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from pages.shells import Fragment, render_fragment

from .markdown import render_inline
from .models import Block, Guide, Section

CACHE_SECONDS = 60 * 60 * 24
# Part of every cached rendering's key: raised whenever what is cached changes shape, so a
# deploy never reads an entry written by the code before it.
RENDER_SCHEMA = 5


@dataclass(frozen=True)
class RenderedBody:
    toc: list[dict]  # {"heading", "anchor", "locked"} for every section
    html: Fragment  # with holes for a reader's ticks and the checklist form (pages.shells)
    locked_count: int
    # Checklist item ids of each visible section (section id -> item ids): what a reader's
    # ticks are counted against.
    checklists: dict[int, list[int]]


def intro_html(text: str) -> SafeString:
    paragraphs = [p for p in text.split("\n\n") if p.strip()]
    return mark_safe("".join(f"<p>{render_inline(p)}</p>" for p in paragraphs))


def block_context(block: Block) -> dict:
    context: dict = {"kind": block.kind}
    if block.kind == Block.Kind.CHECKLIST:
        context["id"] = block.pk
        context["items"] = [
            (item.pk, mark_safe(render_inline(item.text))) for item in block.item_rows.all()
        ]
    elif block.kind == Block.Kind.PHRASES:
        columns, rows = block.table
        context["columns"] = columns
        context["rows"] = rows
    else:
        context["html"] = mark_safe(render_inline(block.text))
        context["attribution"] = block.attribution
    return context


def guide_body(guide: Guide, *, full: bool) -> RenderedBody:
    """The intro, table of contents and sections a reader of this access level may see."""
    level = "full" if full or guide.cut is None else "preview"
    # The access settings are in the key too, so no race between a save and a refresh can serve a
    # rendering made under a wider preview to a reader without access.
    key = (
        f"guide-body:r{RENDER_SCHEMA}:{guide.pk}:v{guide.version}:{guide.access}"
        f":{guide.preview_sections}:{level}"
    )
    cached = cache.get(key)
    if cached is not None:
        return RenderedBody(
            toc=cached["toc"],
            html=Fragment(cached["html"]),
            locked_count=cached["locked"],
            checklists=cached["checklists"],
        )
    sections: list[Section] = list(guide.sections.prefetch_related("blocks__item_rows"))
    visible = len(sections) if level == "full" else guide.preview_sections
    toc = [
        {"heading": s.heading, "anchor": s.anchor, "locked": index >= visible}
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
                    "blocks": [block_context(b) for b in s.blocks.all()],
                    "checklist_total": len(checklists.get(s.pk, [])),
                }
                for s in sections[:visible]
            ],
            "tick_url": reverse("study:tick_block"),
        },
    )
    locked = len(sections) - min(visible, len(sections))
    cache.set(
        key,
        {"toc": toc, "html": html.html, "locked": locked, "checklists": checklists},
        CACHE_SECONDS,
    )
    return RenderedBody(toc=toc, html=html, locked_count=locked, checklists=checklists)
