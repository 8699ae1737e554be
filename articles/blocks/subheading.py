"""A subheading (`### `): an <h3> inside its section, listed under it in the table of contents."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.safestring import mark_safe
from markdown_it.tree import SyntaxTreeNode

from ..inline import inline_to_text, render_inline
from .base import BlockData, BlockKind, Placement, Reader, register
from .paragraph import one_run

if TYPE_CHECKING:
    from ..models import Block


@register
class Subheading(BlockKind):
    name = "subheading"
    label = "Subheading"
    order = 80
    example = "### A subheading with `code`"
    outlined = True

    def reads(self, node: SyntaxTreeNode) -> bool:
        return node.type == "heading" and node.tag == "h3"

    def parse(self, node: SyntaxTreeNode, reader: Reader) -> BlockData:
        text = one_run(node.children[0].content)
        if not text or len(text) > 200:
            raise reader.error(node, "a subheading needs text, at most 200 characters")
        return BlockData(kind=self.name, text=text)

    def write(self, block: BlockData) -> str:
        return f"### {block.text}"

    def normalize(self, text: str) -> str:
        return one_run(text)

    def plain_text(self, block: Block) -> str:
        return inline_to_text(block.text)

    def outline_text(self, block: Block) -> str:
        return inline_to_text(block.text)

    def context(self, block: Block, placement: Placement) -> dict:
        return {"html": mark_safe(render_inline(block.text)), "anchor": placement.anchor}
