"""A problem as HTML: its statement in a guide's block templates (articles.blocks), whole or as a
visitor's preview (the first paragraph), its hints and its walk-through."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from articles.blocks import Placement
from articles.blocks.base import BlockData
from articles.inline import render_inline
from articles.markdown import read_blocks
from articles.models import Block
from articles.rendering import block_context
from articles.services import block_plain_text

from .models import Problem

BLOCKS_TEMPLATE = "practice/includes/blocks.html"


def _block(data: BlockData) -> Block:
    """A block to render, never saved: a problem keeps its Markdown, not block rows."""
    return Block(
        kind=data.kind,
        text=data.text,
        attribution=data.attribution,
        language=data.language,
        caption=data.caption,
        style=data.style,
        runnable=data.runnable,
    )


def _blocks_html(blocks: list[BlockData], prefix: str) -> SafeString:
    contexts = [
        # A guide's block context, with an id of the problem's own (its blocks have no rows).
        {**block_context(_block(data), Placement(public=True)), "id": f"{prefix}-{number}"}
        for number, data in enumerate(blocks, 1)
    ]
    return mark_safe(render_to_string(BLOCKS_TEMPLATE, {"blocks": contexts}))


def markdown_html(markdown: str, source: str, prefix: str) -> SafeString:
    """Markdown written the way a problem's is (a mock's design prompt: statement, solution) in
    a guide's block templates; raw HTML in it is shown as text, never run. GuideFormatError
    names what does not parse."""
    return _blocks_html(read_blocks(markdown, source, refuse_html=False), prefix)


def statement_blocks(problem: Problem) -> list[BlockData]:
    return read_blocks(problem.statement, problem.slug, refuse_html=False)


def statement_html(problem: Problem, *, full: bool) -> SafeString:
    """The statement; without `full`, only its first block (the first paragraph: what a visitor
    may see of a premium problem)."""
    blocks = statement_blocks(problem)
    return _blocks_html(blocks if full else blocks[:1], "statement")


def statement_summary(problem: Problem) -> str:
    """The statement's first paragraph as plain text (the page's description)."""
    blocks = statement_blocks(problem)
    if not blocks:
        return ""
    return " ".join(block_plain_text(_block(blocks[0])).split())[:300]


def hint_html(text: str) -> SafeString:
    return mark_safe(f"<p>{render_inline(text)}</p>")


def walkthrough_html(problem: Problem) -> SafeString:
    return _blocks_html(
        read_blocks(problem.walkthrough, problem.slug, refuse_html=False), "walkthrough"
    )


def solution_html(problem: Problem) -> SafeString:
    """The walk-through, then the solution's code."""
    code = BlockData(kind="code", text=problem.code.get("solution", ""), language="python")
    return mark_safe(walkthrough_html(problem) + _blocks_html([code], "solution"))
