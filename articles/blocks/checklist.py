"""A checklist: a bulleted list of `- [ ] ` items, one line each; a reader ticks them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.safestring import mark_safe
from markdown_it.tree import SyntaxTreeNode

from ..inline import render_inline
from .base import BlockData, BlockKind, Placement, Reader, Study, register
from .list import item_text, list_item, ticked

if TYPE_CHECKING:
    from ..models import Block


@register
class Checklist(BlockKind):
    name = "checklist"
    label = "Checklist"
    order = 30
    example = "- [ ] Restate the goal\n- [ ] Propose a baseline"
    study = Study.TICK
    exact_text = False

    def reads(self, node: SyntaxTreeNode) -> bool:
        return node.type == "bullet_list" and all(ticked(item) for item in node.children)

    def parse(self, node: SyntaxTreeNode, reader: Reader) -> BlockData:
        for item in node.children:
            list_item(item, reader, nested_allowed=False, checklist=True)
        return BlockData(kind=self.name, text="\n".join(item_text(i) for i in node.children))

    def write(self, block: BlockData) -> str:
        return "\n".join(f"- [ ] {item}" for item in block.text.splitlines() if item.strip())

    def study_items(self, block: Block) -> list[tuple[str, str]]:
        return [(line, "") for line in block.items]

    def context(self, block: Block, placement: Placement) -> dict:
        # The item rows, prefetched: their ids are what a reader's ticks name.
        return {
            "items": [
                (item.pk, mark_safe(render_inline(item.text))) for item in block.item_rows.all()
            ]
        }
