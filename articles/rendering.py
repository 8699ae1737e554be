"""A guide's body as HTML for one access level: the intro, the table of contents and the
sections, each block through its kind's template (articles.blocks). Kept by the reader's site
(pages.cache.GUIDE_BODY, per guide version and access level)."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import slugify

from pages.shells import Fragment, render_fragment

from .blocks import Placement, Study
from .inline import render_inline
from .models import Block, Guide, Section


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


def block_context(block: Block, placement: Placement | None = None) -> dict:
    """What the block's template needs: its id, kind and template, and what its kind adds
    (`placement`: where on the page it is)."""
    kind = block.kind_class
    return {
        "kind": block.kind,
        "id": block.pk,
        "template": kind.template_name,
        **kind.context(block, placement or Placement()),
    }


def outline_anchors(section: Section, taken: set[str]) -> dict[int, str]:
    """The anchor of each block of the section listed in the table of contents (block id ->
    anchor; subheadings): the section's anchor and the block's own words, unique in the guide."""
    anchors = {}
    for block in section.blocks.all():
        kind = block.kind_class
        if kind.outlined:
            words = slugify(kind.outline_text(block)) or "part"
            base = f"{section.anchor}-{words}"[:90]
            anchor, n = base, 2
            while anchor in taken:
                anchor, n = f"{base}-{n}", n + 1
            taken.add(anchor)
            anchors[block.pk] = anchor
    return anchors


def guide_body(guide: Guide, *, full: bool) -> RenderedBody:
    """The intro, table of contents and sections a reader of this access level may see."""
    level = "full" if full or guide.cut is None else "preview"
    shown = guide.is_public
    sections: list[Section] = list(
        guide.sections.prefetch_related("blocks__item_rows", "blocks__image")
    )
    visible = len(sections) if level == "full" else guide.preview_sections
    # The images everyone may see, as articles.images.image_is_public decides it (shown before
    # the cut of a published guide): their addresses say so, and change when that changes.
    free = sections if guide.cut is None else sections[: guide.cut]
    public = {b.image_id for s in free for b in s.blocks.all() if b.image_id} if shown else set()
    taken = {s.anchor for s in sections}
    anchors = {s.pk: outline_anchors(s, taken) for s in sections[:visible]}
    # Past the cut a visitor sees a section's heading only, never what is inside it.
    toc = [
        {
            "heading": s.heading,
            "anchor": s.anchor,
            "locked": index >= visible,
            "subheadings": [
                {"heading": b.kind_class.outline_text(b), "anchor": anchors[s.pk][b.pk]}
                for b in s.blocks.all()
                if b.kind_class.outlined
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
                if b.kind_class.study == Study.TICK
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
                            Placement(
                                anchor=anchors[s.pk].get(b.pk, ""),
                                lazy=index > 0,
                                public=b.image_id in public,
                            ),
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
    has_code = any(b.kind_class.highlights_code for s in sections[:visible] for b in s.blocks.all())
    return RenderedBody(
        toc=toc, html=html, locked_count=locked, checklists=checklists, has_code=has_code
    )
