"""Inline Markdown (emphasis, code, links) as sanitized HTML or as plain words: what every block
kind's text is made of."""

from __future__ import annotations

from html import unescape

import nh3
from markdown_it import MarkdownIt

_inline = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})


def render_inline(text: str) -> str:
    """Inline Markdown to sanitized HTML; block syntax is not honoured. (A U+E000 an editor wrote
    is left to pages.shells.render_fragment, which strips it from everything it renders.)"""
    return nh3.clean(
        _inline.renderInline(text),
        tags={"em", "strong", "code", "a", "br"},
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener nofollow",
    )


def inline_to_text(text: str) -> str:
    """The words a reader sees, without Markdown or HTML."""
    return unescape(nh3.clean(render_inline(text), tags=set())).strip()
