"""A pull quote: a blockquote whose last line, if it starts with an em dash, names its source."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from django.utils.safestring import mark_safe
from markdown_it.tree import SyntaxTreeNode

from ..inline import inline_to_text, render_inline
from .base import BlockData, BlockKind, Placement, Reader, register
from .callout import STYLES
from .paragraph import one_run

if TYPE_CHECKING:
    from ..models import Block

EM_DASH = "\u2014"
ALERT_RE = re.compile(r"^\[!\w*\]")


@register
class Quote(BlockKind):
    name = "quote"
    label = "Pull quote"
    order = 20
    example = "> Say the trade-off out loud, then pick.\n> \u2014 A coach"
    fields = frozenset({"attribution"})

    def reads(self, node: SyntaxTreeNode) -> bool:
        return node.type == "blockquote"

    def parse(self, node: SyntaxTreeNode, reader: Reader) -> BlockData:
        if any(child.type != "paragraph" for child in node.children):
            raise reader.error(node, "a pull quote holds text only")
        lines = reader.source_lines(node)
        for offset, line in enumerate(lines):
            if not line.lstrip().startswith(">"):
                raise reader.error(
                    reader.line(node) + offset, "every line of a pull quote must start with '>'"
                )
        body = [line.lstrip()[1:].strip() for line in lines]
        if ALERT_RE.match(body[0]):
            raise reader.error(node, f"a callout is one of {', '.join(STYLES)}")
        attribution = ""
        if len(body) > 1 and body[-1].startswith(EM_DASH):
            attribution = body.pop().lstrip(EM_DASH).strip()
        text = " ".join(line for line in body if line)
        if not text:
            raise reader.error(node, "a pull quote needs text")
        if len(attribution) > 200:
            raise reader.error(
                reader.line(node) + len(body), "an attribution is longer than 200 characters"
            )
        return BlockData(kind=self.name, text=text, attribution=attribution)

    def write(self, block: BlockData) -> str:
        text = "\n".join(f"> {line}" for line in block.text.splitlines() or [""])
        return f"{text}\n> {EM_DASH} {block.attribution}" if block.attribution else text

    def normalize(self, text: str) -> str:
        return one_run(text)

    def plain_text(self, block: Block) -> str:
        quote = inline_to_text(block.text)
        return f"{quote}\n{block.attribution}" if block.attribution else quote

    def context(self, block: Block, placement: Placement) -> dict:
        return {"html": mark_safe(render_inline(block.text)), "attribution": block.attribution}
