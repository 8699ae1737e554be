"""pages.shells on its own: what a shell is filled with, and what it refuses."""

from __future__ import annotations

import pytest
from django.contrib import messages
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages.storage.cookie import CookieStorage
from django.test import RequestFactory

from pages.shells import MARK, Fragment, Shell, build_shell, render_fragment, serve


def shell(html: str) -> Shell:
    return Shell.of(Fragment(html))


def test_text_a_filler_returns_is_escaped() -> None:
    page = shell(f"<p>{MARK}count{MARK}</p>")
    response = serve(page, RequestFactory().get("/"), {"count": "<b>3</b>"})
    assert response.content.decode() == "<p>&lt;b&gt;3&lt;/b&gt;</p>"


def test_a_hole_gets_its_number() -> None:
    page = shell(f"<i{MARK}checkbox7{MARK}><i{MARK}checkbox8{MARK}>")
    fillers = {"checkbox": lambda item: " checked" if item == 8 else ""}
    assert serve(page, RequestFactory().get("/"), fillers).content.decode() == "<i><i checked>"


def test_markup_filled_in_early_brings_its_own_holes_filled_when_served() -> None:
    form = Fragment(f'<input value="{MARK}csrf{MARK}">')
    page = shell(f"<form>{MARK}form{MARK}</form>").filled({"form": form})
    assert page.holes == frozenset({"csrf"})
    html = serve(page, RequestFactory().get("/")).content.decode()
    assert html.startswith('<form><input value="')
    assert MARK not in html


def test_a_hole_nobody_fills_is_an_error_not_a_blank() -> None:
    with pytest.raises(LookupError, match="'finish'"):
        serve(shell(f"{MARK}finish{MARK}"), RequestFactory().get("/"))


def test_a_mark_in_a_templates_data_is_removed_and_makes_no_hole() -> None:
    fragment = render_fragment("includes/messages.html", {"messages": [f"{MARK}csrf{MARK}"]})
    assert MARK not in fragment.html
    assert "csrf" in fragment.html
    assert shell(fragment.html).holes == frozenset()


def test_a_readers_messages_never_go_into_a_shell_even_without_a_hole_for_them() -> None:
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    request._messages = CookieStorage(request)
    messages.info(request, "Your card was declined.")
    built = build_shell("includes/messages.html", {}, request=request)
    assert "Your card was declined." not in "".join(map(str, built.parts))
    assert [m.message for m in request._messages] == ["Your card was declined."]  # still pending
