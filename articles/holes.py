"""Holes in a cached guide page: marks (U+E000, name, optional number, U+E000) where what differs
between readers goes. The page is rendered once per guide version, access level and kind of
reader (visitor, member, staff); `for_kind` fills what depends on the kind when that shell is
built, and `fill` what depends on the request (CSRF token, CSP nonce, messages, the reader's
ticks) in one pass over the page when it is served.

Only a template can make a hole (with `{% hole %}`, rendered by `render`): a mark anywhere else in
the rendered page, whatever an editor wrote and however it was spelled (the character, or an HTML
entity that the Markdown renderer decodes to it), is removed before the holes become marks."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Mapping

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.html import escape
from django.utils.safestring import mark_safe

MARK = "\ue000"
HOLE = re.compile(f"{MARK}([a-z]+)(\\d*){MARK}")
# The context key under which `render` hands its templates this render's hole delimiter; a
# leading underscore, so no template can print it.
TOKEN_KEY = "_hole_token"


def hole(name: str) -> str:
    return f"{MARK}{name}{MARK}"


def without_marks(text: str) -> str:
    """Text with no U+E000, the character that delimits holes."""
    return text.replace(MARK, "")


def render(
    template_name: str,
    context: Mapping[str, object],
    *,
    request: HttpRequest | None = None,
    fragments: Mapping[str, str] | None = None,
) -> str:
    """The template rendered with a mark-delimited hole wherever it says `{% hole %}`, and for
    the request's CSRF token and CSP nonce (a shell is shared by many readers, so it holds
    neither), and with no other mark. `fragments` are context values this function made
    earlier (parts of the page rendered and cached on their own): their marks are holes, kept.

    While the template renders, a hole is delimited by a token drawn afresh for this render, so
    no text fixed before it (an editor's) can spell one; every mark left in the output after
    that is editor text and is removed, and only then do the tokens become marks."""
    token = secrets.token_hex(16)
    values = {
        **context,
        TOKEN_KEY: token,
        "csrf_token": mark_safe(f"{token}csrf{token}"),
        "csp_nonce": mark_safe(f"{token}nonce{token}"),
    }
    for name, html in (fragments or {}).items():
        values[name] = mark_safe(html.replace(MARK, token))
    html = render_to_string(template_name, values, request=request)
    return without_marks(html).replace(token, MARK)


SAVE_BUTTON = (
    '<button class="button button-small checklist-save" type="submit">Save checklist</button>'
)


def for_kind(html: str, kind: str, *, login_url: str, guide_url: str, paywall: str = "") -> str:
    """Fill the holes that depend only on the kind of reader (the paywall is rendered for it)."""
    if kind == "visitor":
        sign_in = (
            f'<p class="checklist-signin"><a href="{escape(login_url)}?next={escape(guide_url)}">'
            "Sign in</a> to tick items and keep your progress on every device.</p>"
        )
        fixed = {
            "csrfinput": "",
            "save": sign_in,
            "ck": " disabled",
            "sc": "0",
            "gp": "0",
            "fin": "",
            "paywall": paywall,
        }
    else:
        fixed = {
            "csrfinput": f'<input type="hidden" name="csrfmiddlewaretoken" value="{hole("csrf")}">',
            "save": SAVE_BUTTON,
            "paywall": paywall,
        }
    return HOLE.sub(lambda m: fixed.get(m.group(1), m.group(0)), html)


Parts = tuple  # (text, name, number, text, name, number, ..., text): a page split at its holes


def split(html: str) -> Parts:
    """The page cut at its holes, once per shell, so serving it is a join, not a search."""
    pieces = HOLE.split(html)
    return tuple(int(p) if i % 3 == 2 and p else p for i, p in enumerate(pieces))


def fill(parts: Parts, value: Callable[[str, int | str], str]) -> str:
    """The page with every hole replaced by value(name, number)."""
    out = [parts[0]]
    for index in range(1, len(parts), 3):
        out.append(value(parts[index], parts[index + 1]))
        out.append(parts[index + 2])
    return "".join(out)
