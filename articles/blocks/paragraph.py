"""A paragraph: one run of text with inline Markdown (emphasis, code, links)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from django.utils.safestring import mark_safe
from markdown_it.tree import SyntaxTreeNode

from ..inline import inline_to_text, render_inline
from .base import BlockData, BlockKind, Placement, Reader, register

if TYPE_CHECKING:
    from ..models import Block

# A paragraph that starts like another block (#, >, |, a list item, a fence, an image) is written
# with a backslash before it; the backslash is dropped again on reading.
BLOCK_MARKER_RE = re.compile(r"^(#|>|\||[-*+]\s|\d+[.)]\s|```|~~~|!\[)")
ESCAPED_MARKER_RE = re.compile(r"^\\(#|>|\||[-*+]\s|\d+[.)]\s|```|~~~|!\[)")


def one_run(text: str) -> str:
    """Text with inline Markdown only, as one run (line breaks are spaces to a reader)."""
    return " ".join(text.split())


def only_image(node: SyntaxTreeNode) -> SyntaxTreeNode | None:
    """The image of a paragraph that is an image and nothing else."""
    inline = node.children[0] if node.children else None
    if inline is not None and len(inline.children) == 1 and inline.children[0].type == "image":
        return inline.children[0]
    return None


def has_image(node: SyntaxTreeNode) -> bool:
    return node.type == "image" or any(has_image(child) for child in node.children)


@register
class Paragraph(BlockKind):
    name = "paragraph"
    label = "Paragraph"
    order = 10
    example = "A paragraph with *emphasis*, `code` and a [link](https://example.com)."

    def reads(self, node: SyntaxTreeNode) -> bool:
        return node.type == "paragraph" and only_image(node) is None

    def parse(self, node: SyntaxTreeNode, reader: Reader) -> BlockData:
        lines = reader.source_lines(node)
        if has_image(node):
            raise reader.error(node, "an image must stand on a line of its own")
        if lines[0].lstrip().startswith("|"):
            raise reader.error(
                reader.line(node) + 1, "the second row of a table must be '| --- | --- |'"
            )
        for offset, line in enumerate(lines[1:], start=1):
            if line.lstrip().startswith("|"):
                raise reader.error(
                    reader.line(node) + offset,
                    "a table must be separated from the paragraph by a blank line",
                )
        text = " ".join(line.strip() for line in lines)
        if ESCAPED_MARKER_RE.match(text):
            text = text[1:]  # written escaped so it is not read as a quote, list, table or heading
        return BlockData(kind=self.name, text=text)

    def write(self, block: BlockData) -> str:
        return f"\\{block.text}" if BLOCK_MARKER_RE.match(block.text) else block.text

    def normalize(self, text: str) -> str:
        return one_run(text)

    def plain_text(self, block: Block) -> str:
        return inline_to_text(block.text)

    def context(self, block: Block, placement: Placement) -> dict:
        return {"html": mark_safe(render_inline(block.text))}
