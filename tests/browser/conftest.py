"""Real-browser helpers: axe-core, screenshots saved under artifacts/, a signed-in session. The
fixtures (Playwright driving Debian's Chromium against pytest-django's live server: `browser`,
`site`, `new_page`, `page`) are tests/conftest.py's, so browser tests outside this folder share the
one browser a test process may run."""

from __future__ import annotations

from pathlib import Path

from ..conftest import ROOT

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = ROOT / "artifacts" / "screenshots"


def axe_violations(page) -> list[dict]:
    """Serious and critical axe-core violations on the page as it stands."""
    assert AXE.exists(), "run `npm ci` (make test does) to install axe-core"
    page.add_script_tag(path=str(AXE))
    results = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [n["target"] for n in v["nodes"]][:5],
        }
        for v in results["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def sign_in(page, user, site: str) -> None:
    """Give the page's browser context a signed-in session for this user."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session.session_key, "url": site}]
    )


def set_markdown(page, text: str) -> None:
    """Replace all the text of the admin's Markdown editor (CodeMirror) as a writer pasting over
    it would; the form's text box follows it."""
    content = page.locator("#markdown-editor .cm-content")
    content.focus()
    page.keyboard.press("ControlOrMeta+a")
    content.evaluate(
        """(element, text) => {
            const data = new DataTransfer();
            data.setData("text/plain", text);
            element.dispatchEvent(
                new ClipboardEvent("paste", {clipboardData: data, bubbles: true, cancelable: true})
            );
        }""",
        text,
    )


def cursor_line(page) -> int:
    """The line the Markdown editor's cursor is on, as its gutter shows it."""
    return int(page.locator("#markdown-editor .cm-activeLineGutter").first.inner_text())
