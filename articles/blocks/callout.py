"""A callout: GitHub's alert syntax (`> [!NOTE]`, TIP, IMPORTANT, WARNING, CAUTION), rendered as an
<aside> with its style as a visible label."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from django.utils.safestring import mark_safe
from markdown_it.tree import SyntaxTreeNode

from ..inline import inline_to_text, render_inline
from .base import BlockData, BlockKind, Placement, Reader, register
from .paragraph import has_image, one_run

if TYPE_CHECKING:
    from ..models import Block

STYLES = ("note", "tip", "important", "warning", "caution")
LIST_MARKER_RE = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+", re.MULTILINE)


@register
class Callout(BlockKind):
    name = "callout"
    label = "Callout"
    order = 90
    example = "> [!TIP]\n> Say the invariant out loud.\n>\n> Then write the loop."
    fields = frozenset({"style"})

    def reads(self, node: SyntaxTreeNode) -> bool:
        return node.type == "alert"

    def parse(self, node: SyntaxTreeNode, reader: Reader) -> BlockData:
        style = str(node.meta.get("kind", "")).lower()
        paragraphs = [child for child in node.children if child.type != "alert_title"]
        if style not in STYLES:
            raise reader.error(node, f"a callout is one of {', '.join(STYLES)}")
        if not paragraphs or any(child.type != "paragraph" for child in paragraphs):
            raise reader.error(node, "a callout holds text paragraphs only")
        if any(has_image(p) for p in paragraphs):
            raise reader.error(node, "an image must stand on a line of its own, not in a callout")
        text = "\n\n".join(one_run(p.children[0].content) for p in paragraphs)
        return BlockData(kind=self.name, text=text, style=style)

    def write(self, block: BlockData) -> str:
        body = "\n>\n".join(f"> {paragraph}" for paragraph in block.text.split("\n\n"))
        return f"> [!{block.style.upper()}]\n{body}"

    def normalize(self, text: str) -> str:
        paragraphs = (one_run(p) for p in re.split(r"\n\s*\n", text))
        return "\n\n".join(p for p in paragraphs if p)

    def plain_text(self, block: Block) -> str:
        return inline_to_text(LIST_MARKER_RE.sub("", block.text).replace("\n", " "))

    def context(self, block: Block, placement: Placement) -> dict:
        style = block.style or "note"
        return {
            "style": style,
            "label": style.capitalize(),
            "paragraphs": [mark_safe(render_inline(p)) for p in block.text.split("\n\n")],
        }
