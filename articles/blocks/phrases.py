"""A phrase table: a two-column GFM table of moments and what to say; each row is a drill card
(the left cell the prompt, the right its answer)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from markdown_it.tree import SyntaxTreeNode

from .base import BlockData, BlockKind, Placement, Reader, Study, register
from .table import CELL_SEPARATOR_RE, columns, reader_cells, tree_rows, write_table

if TYPE_CHECKING:
    from ..models import Block


def phrase_row(line: str) -> tuple[str, str]:
    """A stored phrase row's two cells, as a reader sees them."""
    cells = [*reader_cells(line), ""]
    return cells[0], cells[1]


@register
class Phrases(BlockKind):
    name = "phrases"
    label = "Phrase table"
    order = 40
    example = (
        "| Moment | What to say |\n| --- | --- |\n"
        "| Start | I'll restate the goal, then propose a baseline. |\n| Stuck | either \\| or |"
    )
    study = Study.DRILL
    exact_text = False

    def reads(self, node: SyntaxTreeNode) -> bool:
        return node.type == "table" and columns(node) == 2

    def parse(self, node: SyntaxTreeNode, reader: Reader) -> BlockData:
        rows = tree_rows(node, reader)
        for line, cells, written in rows:
            if written != 2 or not all(cells):
                raise reader.error(line, "a phrase table row needs exactly two non-empty cells")
        if len(rows) < 2:
            raise reader.error(node, "a table needs a header row, a '| --- | --- |' row and rows")
        return BlockData(kind=self.name, text="\n".join(f"{a} | {b}" for _, (a, b), _ in rows))

    def write(self, block: BlockData) -> str:
        return write_table(block)

    def clean(self, block: Block) -> dict[str, str]:
        lines = block.items
        if len(lines) < 2:
            return {"text": "A phrase table needs a line of column labels and at least one row."}
        for number, line in enumerate(lines, start=1):
            if len(CELL_SEPARATOR_RE.findall(line)) != 1:
                return {"text": f"Line {number} needs exactly two cells separated by ' | '."}
        return {}

    def plain_text(self, block: Block) -> str:
        return "\n".join(" ".join(phrase_row(line)) for line in block.items)

    def table(self, block: Block) -> tuple[tuple[str, str], list[tuple[str, str]]]:
        """(column labels, rows) as a reader sees them."""
        pairs = [phrase_row(line) for line in block.items] or [("", "")]
        return pairs[0], pairs[1:]

    def study_items(self, block: Block) -> list[tuple[str, str]]:
        return self.table(block)[1]

    def context(self, block: Block, placement: Placement) -> dict:
        labels, rows = self.table(block)
        return {"columns": labels, "rows": rows}
