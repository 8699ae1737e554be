"""Code: a ``` fence with a language, optionally `title="file.py"` and `runnable` (the test suite
runs it), highlighted on the server by Pygments."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from django.utils.safestring import mark_safe
from django.utils.text import slugify
from markdown_it.tree import SyntaxTreeNode
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import TextLexer, get_lexer_by_name
from pygments.util import ClassNotFound

from .base import BlockData, BlockKind, Placement, Reader, register

if TYPE_CHECKING:
    from ..models import Block

FENCE_INFO_RE = re.compile(
    r'^(?P<language>[A-Za-z0-9_+#.-]*)(?:\s+title="(?P<title>[^"]*)")?(?P<runnable>\s+runnable)?\s*$'
)
# Token classes only: the colours are at the end of static/css/site.css (articles.code_style).
_formatter = HtmlFormatter(nowrap=True)


def known_language(language: str) -> bool:
    try:
        get_lexer_by_name(language)
    except ClassNotFound:
        return False
    return True


def highlighted(code: str, language: str) -> str:
    """Code as HTML with Pygments' token classes; an unknown language is plain text."""
    try:
        lexer = get_lexer_by_name(language) if language else TextLexer()
    except ClassNotFound:
        lexer = TextLexer()
    return highlight(code, lexer, _formatter).rstrip("\n")


@register
class Code(BlockKind):
    name = "code"
    label = "Code"
    order = 50
    example = '```python title="window.py"\ndef longest(items):\n    return len(items)\n```'
    fields = frozenset({"language", "caption", "runnable"})
    highlights_code = True

    def reads(self, node: SyntaxTreeNode) -> bool:
        return node.type == "fence"

    def parse(self, node: SyntaxTreeNode, reader: Reader) -> BlockData:
        match = FENCE_INFO_RE.match(node.info.strip())
        if not match:
            raise reader.error(
                node, 'a code fence is ```language, then optionally title="..." and runnable'
            )
        language, title = match["language"].lower(), (match["title"] or "").strip()
        if len(language) > 40 or len(title) > 200:
            raise reader.error(node, "a language may be 40 characters and a title 200")
        if match["runnable"] and language != "python":
            raise reader.error(node, "only python code can be marked runnable")
        if language and not known_language(language):
            reader.warn(node, f"unknown language '{language}'; the code is shown as plain text")
        code = node.content.rstrip("\n")
        if not code.strip():
            raise reader.error(node, "a code block needs code")
        return BlockData(
            kind=self.name,
            text=code,
            language=language,
            caption=title,
            runnable=bool(match["runnable"]),
        )

    def write(self, block: BlockData) -> str:
        # A fence longer than any run of backticks in the code.
        longest = max((len(run) for run in re.findall(r"`{3,}", block.text)), default=2)
        fence = "`" * (longest + 1)
        info = block.language + (f' title="{block.caption}"' if block.caption else "")
        info += " runnable" if block.runnable else ""
        return f"{fence}{info}\n{block.text}\n{fence}"

    def normalize(self, text: str) -> str:
        # Code keeps its indentation; only blank lines around it and trailing spaces go.
        return "\n".join(line.rstrip() for line in text.splitlines()).strip("\n")

    def plain_text(self, block: Block) -> str:
        return f"{block.caption}\n{block.text}" if block.caption else block.text

    def context(self, block: Block, placement: Placement) -> dict:
        return {
            "html": mark_safe(highlighted(block.text, block.language)),
            "language": slugify(block.language) or "text",
            "title": block.caption,
        }
