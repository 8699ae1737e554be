"""Holes in a cached guide page: marks (U+E000, name, optional number, U+E000) where what differs
between readers goes. The page is rendered once per guide version, access level and kind of
reader (visitor, member, staff); `for_kind` fills what depends on the kind when that shell is
built, and `fill` what depends on the request (CSRF token, CSP nonce, messages, the reader's
ticks) in one pass over the page when it is served.

Guide text cannot produce a mark: editors' text is rendered escaped or sanitized, and U+E000 is a
private-use character no guide has any reason to hold."""

from __future__ import annotations

import re
from collections.abc import Callable

from django.utils.html import escape

MARK = "\ue000"
HOLE = re.compile(f"{MARK}([a-z]+)(\\d*){MARK}")


def hole(name: str) -> str:
    return f"{MARK}{name}{MARK}"


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
