"""Reader pages served from shells.

A *shell* is a whole page rendered once and served to many requests: the guide page, home, the
library (each page number), a track page, a search. What differs between the requests that
share it is left as a *hole*, declared in the template with a full name and an optional number:

    <input type="checkbox" name="item" value="{{ id }}"{% hole "checkbox" id %}>
    <span class="count">{% hole "section_ready" section.id %}</span>

Serving a shell is a join of its text with the value of each hole, not a template render.

What a shell is rendered for is in its *key* (pages.cache: the content stamp, which every
committed change to content renews, so a shell never goes stale, it stops being asked for),
with the parts the view gives: the page (a guide, a page number, a query), the access level
where text depends on it, and the *kind of reader* (`reader_kind`: visitor, member or staff,
which decides the header, the paywall's buttons, the sign-in prompts). Nothing about one
reader is in a shell: their name, ticks, messages, CSRF token and CSP nonce are all holes.

A view does three things:

1. `HOME.kept(parts, build)` (pages.cache): the shell kept for these parts, or `build()`.
2. `build()` calls `build_shell(template, context, request=..., fixed=...)`: the page rendered
   with holes; `fixed` fills, once, holes that depend only on what the key says (a visitor's
   sign-in prompt, rendered from a template with `render_fragment`). The template loads
   `holes` and replaces base.html's `{% block messages %}` with `{% hole "messages" %}`: one
   reader's messages must never be rendered into a shared page.
3. `serve(shell, request, fillers)`: the response, with the holes `csrf`, `nonce` and `messages`
   filled for this request, those an app registered for every page (`register_page_hole`), and
   the view's own holes by `fillers` (name -> function of the hole's number). Text a filler
   returns is escaped; markup comes only from templates, as a `Fragment` that `render_fragment`
   made.

Only a template can make a hole. In the page a hole is U+E000, its name and number, U+E000; while
a template renders, a hole is delimited by a token drawn afresh for that render, so no text fixed
before it (whatever an editor wrote, in any spelling) can make one, and every U+E000 left after
rendering is removed before the tokens become marks (`without_marks`): content is stored as
written, and whatever it holds, no page does.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property
from html import escape
from typing import Any

from django.contrib.messages import get_messages
from django.http import HttpRequest, HttpResponse
from django.middleware.csp import get_nonce
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

MARK = "\ue000"
HOLE_NAME = "[a-z_]+"
HOLE = re.compile(f"{MARK}({HOLE_NAME})(\\d*){MARK}")
# The context key under which `render_fragment` hands its templates this render's hole delimiter; a
# leading underscore, so no template can print it.
TOKEN_KEY = "_hole_token"


def without_marks(text: str) -> str:
    """Text with no U+E000, the character that delimits holes."""
    return text.replace(MARK, "")


@dataclass(frozen=True)
class Fragment:
    """Markup that `render_fragment` made from a template: its marks are holes, and it has no
    others."""

    html: str

    @cached_property
    def shell(self) -> Shell:
        """The markup cut at its holes, once (a form filled into many pages)."""
        return Shell.of(self)


def render_fragment(
    template_name: str,
    context: Mapping[str, object],
    *,
    request: HttpRequest | None = None,
    fragments: Mapping[str, Fragment] | None = None,
) -> Fragment:
    """The template rendered with a hole wherever it says `{% hole %}`, and for the request's
    CSRF token and CSP nonce (a shell is shared, so it holds neither), and with no other mark.
    `fragments` are context values that `render_fragment` made earlier (parts of a page rendered and
    cached on their own): their holes are kept."""
    token = secrets.token_hex(16)
    values = {
        **context,
        TOKEN_KEY: token,
        "csrf_token": mark_safe(f"{token}csrf{token}"),
        "csp_nonce": mark_safe(f"{token}nonce{token}"),
    }
    for name, fragment in (fragments or {}).items():
        values[name] = mark_safe(fragment.html.replace(MARK, token))
    html = render_to_string(template_name, values, request=request)
    return Fragment(without_marks(html).replace(token, MARK))


# What a hole is filled with: text (escaped), markup from `render_fragment`, or a function of
# the hole's number that returns either.
Value = str | Fragment
Filler = Value | Callable[[int | str], Value]


@dataclass(frozen=True)
class Shell:
    """A page cut at its holes: text, then (hole name, hole number, text) for each hole."""

    parts: tuple[str | int, ...]

    @classmethod
    def of(cls, fragment: Fragment) -> Shell:
        pieces = HOLE.split(fragment.html)
        return cls(tuple(int(p) if i % 3 == 2 and p else p for i, p in enumerate(pieces)))

    @property
    def holes(self) -> frozenset[str]:
        return frozenset(self.parts[1::3])  # type: ignore[arg-type]

    def filled(self, fillers: Mapping[str, Filler]) -> Shell:
        """This shell with the named holes filled (markup may bring holes of its own); the
        other holes are kept."""
        return Shell.of(Fragment(_join(self, fillers, keep_others=True)))


def _value(filler: Filler, number: int | str) -> Value:
    return filler(number) if callable(filler) else filler


def _join(shell: Shell, fillers: Mapping[str, Filler], *, keep_others: bool) -> str:
    parts = shell.parts
    out = [parts[0]]
    for index in range(1, len(parts), 3):
        name, number = parts[index], parts[index + 1]
        filler = fillers.get(str(name))
        if filler is None:
            if not keep_others:
                raise LookupError(f"no filler for the hole {name!r}")
            out.append(f"{MARK}{name}{number}{MARK}")
        else:
            value = _value(filler, number)
            if isinstance(value, Fragment):
                # Markup may hold holes of its own (a form's CSRF token).
                html = value.html
                out.append(
                    _join(value.shell, fillers, keep_others=keep_others) if MARK in html else html
                )
            else:
                out.append(escape(value))
        out.append(parts[index + 2])
    return "".join(out)  # type: ignore[arg-type]


def build_shell(
    template_name: str,
    context: Mapping[str, object],
    *,
    request: HttpRequest,
    fragments: Mapping[str, Fragment] | None = None,
    fixed: Mapping[str, Filler] | None = None,
) -> Shell:
    """The page rendered once for everyone its key stands for, with `fixed` holes filled now.
    The request supplies the context processors (the kind of reader in the header); its CSRF
    token, nonce and messages are never rendered into the shell."""
    # No reader's messages in a shared page, even from a template that forgets its hole: they
    # stay pending for the reader's next page. Nor what an app shows one reader on every page.
    context = {"messages": (), **dict.fromkeys(_page_holes, ""), **context}
    shell = Shell.of(render_fragment(template_name, context, request=request, fragments=fragments))
    return shell.filled(fixed) if fixed else shell


# Holes every page has that an app fills for the reader (what their account needs of them),
# registered from its `AppConfig.ready()`, so this package names no app: name -> the filler for
# a request. base.html renders the context variable of the same name (a context processor's)
# in a block that a template served from a shell replaces with the hole; a shell is built with
# the variable empty, so one reader's value is never kept in a shared page.
_page_holes: dict[str, Callable[[HttpRequest], Filler]] = {}


def register_page_hole(name: str, filler: Callable[[HttpRequest], Filler]) -> None:
    """Fill the hole `name` on every page served from a shell with `filler(request)`."""
    _page_holes[name] = filler


def request_fillers(request: HttpRequest) -> dict[str, Filler]:
    """The holes every page has: the CSRF token (one masked token for every form on the page),
    the CSP nonce, the flash messages and those apps registered (`register_page_hole`)."""
    token = ""

    def csrf(_: int | str) -> str:
        nonlocal token
        token = token or get_token(request)
        return token

    def messages(_: int | str) -> Value:
        pending = get_messages(request)
        if not len(pending):
            return ""
        return render_fragment("includes/messages.html", {"messages": pending})

    return {
        **{name: filler(request) for name, filler in _page_holes.items()},
        "csrf": csrf,
        "nonce": lambda _: str(get_nonce(request)),
        "messages": messages,
    }


def serve(
    shell: Shell, request: HttpRequest, fillers: Mapping[str, Filler] | None = None
) -> HttpResponse:
    """The page for this request: every hole filled, by `fillers` or by `request_fillers`."""
    return HttpResponse(
        _join(shell, {**request_fillers(request), **(fillers or {})}, keep_others=False)
    )


def reader_kind(user: Any) -> str:
    """The kinds of reader a page can differ by without naming anyone: visitor, member, staff."""
    if not user.is_authenticated:
        return "visitor"
    return "staff" if user.is_staff else "member"
