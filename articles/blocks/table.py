"""A data table: a GFM table of three to eight columns, rendered with <th scope>. (Two columns
make a phrase table, articles.blocks.phrases.) Stored as one line per row, the header first,
cells separated by " | ", a pipe inside a cell written `\\|` as in GFM."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from django.utils.safestring import SafeString, mark_safe
from markdown_it.rules_block.table import escapedSplit
from markdown_it.tree import SyntaxTreeNode

from ..inline import inline_to_text, render_inline
from .base import BlockData, BlockKind, Placement, Reader, register
from .paragraph import has_image

if TYPE_CHECKING:
    from ..models import Block

# A stored row's cell separator: a pipe, unless escaped.
CELL_SEPARATOR_RE = re.compile(r"(?<!\\)\|")


def stored_cells(line: str) -> list[str]:
    """A stored row's cells as written (a `\\|` stays escaped); an empty first or last cell
    stays a cell."""
    return [cell.strip() for cell in CELL_SEPARATOR_RE.split(line)]


def reader_cells(line: str) -> list[str]:
    """A stored row's cells as a reader sees them: `\\|` is a pipe (code spans included, as
    GFM reads it before the inline Markdown)."""
    return [cell.replace("\\|", "|") for cell in stored_cells(line)]


def tree_rows(node: SyntaxTreeNode, reader: Reader) -> list[tuple[int, list[str], int]]:
    """(line, cells, cells written) of each row of a table node, the header first, cells taken
    from the syntax tree (th/td), a pipe in a cell escaped again for storing. markdown-it pads a
    short row and drops a long row's extra cells, so the cells written on the line are counted
    with markdown-it's own splitter, as its table rule does: what it would lose is an error."""
    if has_image(node):
        raise reader.error(node, "an image must stand on a line of its own, not in a table")
    rows = []
    for row in node.walk():
        if row.type != "tr":
            continue
        line = reader.line(row)
        written = escapedSplit(reader.lines[line - 1].strip())
        if written and written[0] == "":
            written.pop(0)
        if written and written[-1] == "":
            written.pop()
        cells = [cell.children[0].content.replace("|", "\\|") for cell in row.children]
        rows.append((line, cells, len(written)))
    return rows


def row_markdown(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def write_table(block: BlockData) -> str:
    rows = [stored_cells(line) for line in block.text.splitlines() if line.strip()]
    lines = [row_markdown(rows[0]), row_markdown(["---"] * len(rows[0]))]
    return "\n".join(lines + [row_markdown(row) for row in rows[1:]])


def columns(node: SyntaxTreeNode) -> int:
    header = next((row for row in node.walk() if row.type == "tr"), None)
    return len(header.children) if header else 0


@register
class Table(BlockKind):
    name = "table"
    label = "Data table"
    order = 100
    example = (
        "| Shape | Signal | Pointers |\n| --- | --- | --- |\n"
        "| Fixed window | `k` given | same direction |\n| Either | `a \\|\\| b` |  |"
    )
    exact_text = False

    def reads(self, node: SyntaxTreeNode) -> bool:
        return node.type == "table" and columns(node) != 2

    def parse(self, node: SyntaxTreeNode, reader: Reader) -> BlockData:
        rows = tree_rows(node, reader)
        width = len(rows[0][1])
        for line, _, written in rows:
            if written != width:
                raise reader.error(line, f"this row has {written} cells; the header has {width}")
        if len(rows) < 2:
            raise reader.error(node, "a table needs a header row, a '| --- | --- |' row and rows")
        if width > 8:
            raise reader.error(node, "a table may have at most 8 columns")
        return BlockData(kind=self.name, text="\n".join(" | ".join(c) for _, c, _ in rows))

    def write(self, block: BlockData) -> str:
        return write_table(block)

    def plain_text(self, block: Block) -> str:
        return "\n".join(inline_to_text(" ".join(reader_cells(line))) for line in block.items)

    def context(self, block: Block, placement: Placement) -> dict:
        lines = block.items
        head = self.cells_html(lines[0])
        return {
            "columns": head,
            "rows": [self.cells_html(line) for line in lines[1:]],
            "label": "Table: " + ", ".join(inline_to_text(cell) for cell in head),
        }

    def cells_html(self, line: str) -> list[SafeString]:
        return [mark_safe(render_inline(cell)) for cell in reader_cells(line)]
