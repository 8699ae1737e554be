"""A list: bulleted (`- item`) or numbered (`1. item`), one level of nesting, stored as its
Markdown lines."""

from __future__ import annotations

from typing import TYPE_CHECKING

import nh3
from django.utils.safestring import mark_safe
from markdown_it import MarkdownIt
from markdown_it.tree import SyntaxTreeNode

from ..inline import inline_to_text
from .base import BlockData, BlockKind, Placement, Reader, register
from .callout import LIST_MARKER_RE
from .paragraph import has_image, one_run

if TYPE_CHECKING:
    from ..models import Block

LIST_NODES = ("bullet_list", "ordered_list")
_lists = MarkdownIt("commonmark", {"html": False})


def ticked(item: SyntaxTreeNode) -> bool:
    """Whether a list item is a task-list item (`- [ ] `)."""
    return item.meta.get("checked") is not None


def item_text(item: SyntaxTreeNode) -> str:
    return one_run(item.children[0].children[0].content) if item.children else ""


def list_item(
    item: SyntaxTreeNode, reader: Reader, *, nested_allowed: bool, checklist: bool
) -> SyntaxTreeNode | None:
    """The item's nested list, if any; an error for anything but text and one nested list."""
    children = item.children
    what = "a checklist item" if checklist else "a list item"
    if not children or children[0].type != "paragraph" or not children[0].children[0].content:
        raise reader.error(item, f"{what} needs text")
    if has_image(children[0]):
        raise reader.error(item, "an image must stand on a line of its own, not in a list")
    rest = children[1:]
    if not rest:
        return None
    if checklist:
        raise reader.error(item, "a checklist item is one line of text")
    if not nested_allowed:
        raise reader.error(item, "lists nest one level deep at most")
    if len(rest) > 1 or rest[0].type not in LIST_NODES:
        raise reader.error(item, "a list item holds one paragraph and, at most, one nested list")
    return rest[0]


@register
class List(BlockKind):
    name = "list"
    label = "List"
    order = 70
    example = "1. Read the prompt\n   - twice\n2. Name the invariant"
    exact_text = False

    def reads(self, node: SyntaxTreeNode) -> bool:
        # A bulleted list of task items only is a checklist.
        return node.type in LIST_NODES and not (
            node.type == "bullet_list" and all(ticked(item) for item in node.children)
        )

    def parse(self, node: SyntaxTreeNode, reader: Reader) -> BlockData:
        if any(ticked(item) for item in node.children):
            raise reader.error(
                node,
                "a list mixes checklist items ('- [ ] ') with plain items; separate them with "
                "a paragraph or give the plain list other markers ('*' or '1.')",
            )
        return BlockData(kind=self.name, text="\n".join(self.lines(node, reader)))

    def lines(self, node: SyntaxTreeNode, reader: Reader, indent: str = "") -> list[str]:
        """The list as Markdown lines; a nested list is indented to its parent item's text
        (two spaces under "- ", three under "1. "), as CommonMark needs."""
        start = int(node.attrs.get("start", 1)) if node.type == "ordered_list" else 0
        lines = []
        for index, item in enumerate(node.children):
            nested = list_item(item, reader, nested_allowed=not indent, checklist=False)
            marker = f"{start + index}." if node.type == "ordered_list" else "-"
            lines.append(f"{indent}{marker} {item_text(item)}")
            if nested is not None:
                lines += self.lines(nested, reader, " " * (len(marker) + 1))
        return lines

    def write(self, block: BlockData) -> str:
        return block.text

    def normalize(self, text: str) -> str:
        # A nested item keeps its indentation.
        return "\n".join(line.rstrip() for line in text.splitlines() if line.strip())

    def plain_text(self, block: Block) -> str:
        return inline_to_text(LIST_MARKER_RE.sub("", block.text).replace("\n", " "))

    def context(self, block: Block, placement: Placement) -> dict:
        html = nh3.clean(
            _lists.render(block.text),
            tags={"ul", "ol", "li", "p", "em", "strong", "code", "a", "br"},
            attributes={"a": {"href", "title"}, "ol": {"start"}},
            url_schemes={"http", "https", "mailto"},
            link_rel="noopener nofollow",
        )
        return {"html": mark_safe(html)}
