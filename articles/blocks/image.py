"""An image or diagram: `![Alt text](images/file.png "Optional caption")` on a line of its own,
the path relative to the Markdown file; rendered as a <figure> with WebP renditions."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import quote, unquote

from markdown_it import MarkdownIt
from markdown_it.tree import SyntaxTreeNode

from .base import BlockData, BlockKind, Placement, Reader, register
from .paragraph import one_run, only_image

if TYPE_CHECKING:
    from ..models import Block

ASCII_PUNCTUATION_RE = re.compile(r"([!-/:-@\[-`{-~])")
ALT_BRACKETS_RE = re.compile(r"([\[\]\\])")
_alt_reader = MarkdownIt("commonmark", {"html": False})


def alt_markdown(text: str) -> str:
    """Alt text as Markdown that reads back as exactly this text: only `[`, `]` and `\\` are
    escaped (`A client, a gateway` stays as typed), unless another mark would read as Markdown
    (`*a*`, `` `b` ``, an entity), when every punctuation mark is."""
    alt = ALT_BRACKETS_RE.sub(r"\\\1", text)
    tokens = _alt_reader.parseInline(f"![{alt}](x)")
    images = [child for child in tokens[0].children or [] if child.type == "image"]
    only_one = len(images) == 1 and len(tokens[0].children or []) == 1
    if only_one and plain(SyntaxTreeNode(tokens).children[0].children[0]) == text:
        return alt
    return ASCII_PUNCTUATION_RE.sub(r"\\\1", text)


def plain(node: SyntaxTreeNode) -> str:
    """The text of an inline node and its children (an image's alt text)."""
    if node.type in ("text", "code_inline"):
        return node.content
    if node.type in ("softbreak", "hardbreak"):
        return " "
    return "".join(plain(child) for child in node.children)


@register
class Image(BlockKind):
    name = "image"
    label = "Image or diagram"
    order = 60
    example = '![A window sliding over an array](images/example.png "The window at step three")'
    fields = frozenset({"caption", "image"})
    # The form chooses an uploaded image rather than typing a path: only the alt text is checked.
    checked_as_markdown = False

    def reads(self, node: SyntaxTreeNode) -> bool:
        return node.type == "paragraph" and only_image(node) is not None

    def parse(self, node: SyntaxTreeNode, reader: Reader) -> BlockData:
        image = only_image(node)
        assert image is not None
        alt = one_run(plain(image))
        if not alt:
            raise reader.error(node, "an image needs alt text: ![what the image shows](path)")
        # markdown-it percent-encodes the path; the file is named by the decoded one.
        src = unquote(str(image.attrs.get("src", "")))
        if not src or "://" in src or src.startswith(("/", "data:")):
            raise reader.error(node, "an image's path must be relative to the Markdown file")
        caption = str(image.attrs.get("title") or "").strip()
        if len(alt) > 500 or len(caption) > 300:
            raise reader.error(node, "alt text may be 500 characters and a caption 300")
        return BlockData(kind=self.name, text=alt, caption=caption, src=src)

    def write(self, block: BlockData) -> str:
        # Alt text is plain text, escaped only where it would otherwise read as Markdown; the
        # path is percent-encoded where Markdown needs it (spaces, brackets).
        alt = alt_markdown(block.text)
        caption = block.caption.replace("\\", "\\\\").replace('"', '\\"')
        src = quote(block.src, safe="/-_.~")
        return f"![{alt}]({src}{f' "{caption}"' if caption else ''})"

    def normalize(self, text: str) -> str:
        return one_run(text)

    def clean(self, block: Block) -> dict[str, str]:
        if not block.image_id:
            return {"image": "Choose the image this block shows."}
        return {}

    def plain_text(self, block: Block) -> str:
        return f"{block.text}\n{block.caption}" if block.caption else block.text

    def context(self, block: Block, placement: Placement) -> dict:
        image = block.image
        public = placement.public
        return {
            "alt": block.text,
            "caption": block.caption,
            "lazy": placement.lazy,
            "src": image.url("1x.webp", public=public) if image else "",
            "src_2x": image.url("2x.webp", public=public) if image else "",
            "width": image.width if image else 0,
            "height": image.height if image else 0,
        }
