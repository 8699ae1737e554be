"""The practice runner in a real browser (Chromium via Playwright): CodeMirror on a problem
page, the reader's Python run by Pyodide in a Web Worker against the problem's tests, the page's
time limit, hidden tests kept hidden, the solve recorded, the hint and solution forms sent
without leaving the page; every request to the site's own origin, no console error and no CSP
violation, under the site's real policy.

The page and its endpoints are test-only (runner_urls.py), to the contract the real problem
views follow. The server is pytest-django's live server minus its static file handler: static
files go through the middleware as in production (WhiteNoise inside Django's CSP middleware), so
the worker script arrives with the policy production sends with it.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.test import override_settings
from django.test.testcases import LiveServerThread
from playwright.sync_api import BrowserContext, Page, Route, expect

from ..browser.conftest import axe_violations, screenshot, sign_in
from ..conftest import ROOT
from . import runner_urls
from .runner_urls import posted

pytestmark = [pytest.mark.browser, pytest.mark.urls("tests.practice.runner_urls")]

BUILD = ROOT / "static" / "build"
BOOT_TIMEOUT = 60_000  # ms: Pyodide's cold start is a few seconds; a slow machine gets room

SOLUTION = """\
def pair_with_sum(nums, target):
    left, right = 0, len(nums) - 1
    while left < right:
        total = nums[left] + nums[right]
        if total == target:
            return [left, right]
        if total < target:
            left += 1
        else:
            right -= 1
    return []
"""
WRONG = "def pair_with_sum(nums, target):\n    return []\n"
# Right for the visible tests only (they are the ones it was written against).
VISIBLE_ONLY = "def pair_with_sum(nums, target):\n    return [1, 3] if target == 6 else [0, 2]\n"


@pytest.fixture(scope="module")
def bundle() -> None:
    missing = [
        name
        for name in ("practice.js", "runner-worker.js", "pyodide")
        if not (BUILD / name).exists()
    ]
    if missing:
        pytest.fail(
            f"static/build/ lacks {', '.join(missing)}: build the practice runner's bundle "
            "with `make static/build/.stamp` (make test does it first)",
            pytrace=False,
        )


@pytest.fixture(scope="module")
def server(bundle) -> Iterator[str]:
    """A live server whose static files go through the middleware, as in production: no
    static handler in front of Django (the live_server fixture has one), WhiteNoise serving
    from the finders (static/ itself, not collected files)."""
    with override_settings(WHITENOISE_USE_FINDERS=True):
        thread = LiveServerThread("127.0.0.1", static_handler=lambda handler: handler)
        thread.daemon = True
        thread.start()
        thread.is_ready.wait()
    if thread.error:
        raise thread.error
    yield f"http://127.0.0.1:{thread.port}"
    thread.terminate()


@pytest.fixture(autouse=True)
def _nothing_posted_yet() -> None:
    runner_urls.POSTED.clear()


# Each CSP violation the document sees, kept where the test can read it. The worker's own
# violations cannot be listened to from here: one there stops Python from starting, which every
# test would see as a Run button that never comes on.
RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  const where = `${e.sourceFile}:${e.lineNumber}`;
  window.__violations.push(`${e.effectiveDirective} blocked ${e.blockedURI} (${where})`);
});
"""


@dataclass
class Opened:
    page: Page
    origin: str
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    boot_seconds: float = 0.0

    def violations(self) -> list[str]:
        return self.page.evaluate("window.__violations")

    def assert_clean(self) -> None:
        """Every request to our own origin, no console error, no CSP violation."""
        elsewhere = [url for url in self.requests if not url.startswith(self.origin + "/")]
        assert not elsewhere, f"requests to other origins: {elsewhere}"
        assert not self.errors, f"console errors: {self.errors}"
        assert not self.violations(), f"CSP violations: {self.violations()}"


@pytest.fixture
def open_problem(browser, server) -> Iterator[Any]:
    contexts = []

    def open_(
        key: str,
        *,
        path: str | None = None,
        wait: bool = True,
        before: Callable[[BrowserContext], Any] | None = None,
        **options: Any,
    ) -> Opened:
        # The site's real policy applies (the accessibility check injects axe past it).
        options.setdefault("bypass_csp", False)
        context = browser.new_context(**options)
        if before:
            before(context)
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        opened = Opened(page, server)
        # The context's requests include the worker's (Pyodide's runtime files).
        context.on("request", lambda request: opened.requests.append(request.url))
        page.on(
            "console",
            lambda message: message.type == "error" and opened.errors.append(message.text),
        )
        page.on("pageerror", lambda error: opened.errors.append(str(error)))
        page.add_init_script(RECORD_VIOLATIONS)
        started = time.monotonic()
        page.goto(server + (path or f"/runner-test/{key}/"))
        if wait:
            expect(run_button(page)).to_have_text("Run", timeout=BOOT_TIMEOUT)
            opened.boot_seconds = time.monotonic() - started
        return opened

    yield open_
    for context in contexts:
        context.close()


def runtime(name: str) -> str:
    """The URL path of a Pyodide runtime file, in the folder the build named after its version."""
    (version,) = [folder.name for folder in (BUILD / "pyodide").iterdir()]
    return f"/static/build/pyodide/{version}/{name}"


def run_button(page: Page):
    return page.locator("#runner .button-group button").first


def results(page: Page) -> list[str]:
    return [" ".join(text.split()) for text in page.locator(".run-results li").all_inner_texts()]


def type_code(page: Page, code: str) -> None:
    """Replace the editor's text, as a reader pasting it would."""
    page.get_by_role("textbox", name="Your code").click()
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.insert_text(code)
    assert editor_text(page) == code.rstrip("\n")


def editor_text(page: Page) -> str:
    return "\n".join(page.locator(".cm-content .cm-line").all_inner_texts()).rstrip("\n")


def run(page: Page, code: str | None = None, *, timeout: int = 15_000) -> list[str]:
    """Run (this code), wait until the run has ended, and return its results."""
    if code is not None:
        type_code(page, code)
    button = run_button(page)
    button.click()
    expect(button).to_have_text("Run", timeout=timeout)
    expect(button).to_be_enabled()
    return results(page)


def status(page: Page) -> str:
    return page.get_by_role("status").inner_text()


def test_a_wrong_solution_shows_the_failing_visible_case_with_the_value_it_returned(
    open_problem,
) -> None:
    opened = open_problem("pair")
    page = opened.page
    assert page.get_by_text("Running your code needs JavaScript").count() == 0
    assert editor_text(page) == runner_urls.STARTER.rstrip("\n")

    found = run(page, WRONG)

    assert found == [
        "Failed assert pair_with_sum([1, 2, 3, 4, 6], 6) == [1, 3] "
        "`pair_with_sum([1, 2, 3, 4, 6], 6)` returned `[]`",
        "Failed assert pair_with_sum([2, 5, 9, 11], 11) == [0, 2] "
        "`pair_with_sum([2, 5, 9, 11], 11)` returned `[]`",
        "Passed Hidden test 1",
        "Passed Hidden test 2",
    ]
    assert status(page) == "2 of 4 tests passed."
    # Run kept the keyboard focus through the run (it is never `disabled`, which would drop it).
    expect(run_button(page)).to_be_focused()
    # The code is kept for next time (signed in); nothing is recorded as solved.
    assert [p.fields for p in posted("code")] == [{"code": WRONG}]
    assert posted("solves") == []
    opened.assert_clean()


def test_b_the_right_solution_passes_every_case_and_records_the_solve(open_problem) -> None:
    opened = open_problem("pair")
    page = opened.page

    found = run(page, SOLUTION)

    assert found == [
        "Passed assert pair_with_sum([1, 2, 3, 4, 6], 6) == [1, 3]",
        "Passed assert pair_with_sum([2, 5, 9, 11], 11) == [0, 2]",
        "Passed Hidden test 1",
        "Passed Hidden test 2",
    ]
    expect(page.get_by_role("status")).to_have_text(
        "All 4 tests passed. Solved. Next review on 10 Dec 2026."
    )
    (solve,) = posted("solves")
    assert solve.fields == {"code": SOLUTION}
    # As the real endpoints expect: JSON asked for, the CSRF token in its header, a form body.
    assert solve.headers["Accept"] == "application/json"
    assert solve.headers["X-Csrftoken"]
    assert solve.content_type == "application/x-www-form-urlencoded"
    opened.assert_clean()


def test_c_an_endless_loop_is_stopped_at_the_time_limit_and_the_next_run_passes(
    open_problem,
) -> None:
    opened = open_problem("pair-quick")  # a 2-second time limit
    page = opened.page
    # Right for the visible tests; the first hidden one (an empty list) never returns.
    endless = (
        "def pair_with_sum(nums, target):\n"
        "    if not nums:\n"
        "        while True: pass\n"
        "    return [1, 3] if target == 6 else [0, 2]\n"
    )
    type_code(page, endless)
    started = time.monotonic()
    run_button(page).click()
    # The page stays responsive while Python loops: the editor takes typing.
    page.get_by_role("textbox", name="Your code").press("End")
    page.keyboard.type("  # still typing")
    assert editor_text(page).endswith("# still typing")
    expect(page.get_by_role("status")).to_have_text(
        "Stopped after 2 seconds: the time limit.", timeout=10_000
    )
    stopped = time.monotonic() - started
    assert 1.9 < stopped < 8, stopped
    assert results(page) == [
        "Passed assert pair_with_sum([1, 2, 3, 4, 6], 6) == [1, 3]",
        "Passed assert pair_with_sum([2, 5, 9, 11], 11) == [0, 2]",
        "Timed out Hidden test 1",
        "Timed out Hidden test 2",
    ]
    # A fresh worker: Run comes back once it has started Python.
    expect(run_button(page)).to_have_text("Run", timeout=BOOT_TIMEOUT)

    found = run(page, SOLUTION)

    assert found == [
        "Passed assert pair_with_sum([1, 2, 3, 4, 6], 6) == [1, 3]",
        "Passed assert pair_with_sum([2, 5, 9, 11], 11) == [0, 2]",
        "Passed Hidden test 1",
        "Passed Hidden test 2",
    ]
    assert len(posted("solves")) == 1
    opened.assert_clean()


def test_run_pressed_while_python_loads_runs_as_soon_as_it_is_ready(open_problem) -> None:
    held: list[Route] = []

    def hold_the_runtime(context: BrowserContext) -> None:
        # Python's WebAssembly arrives only when the test lets it: Run is pressed while it loads.
        context.route("**/pyodide.asm.wasm", lambda route: held.append(route))

    opened = open_problem("pair", wait=False, before=hold_the_runtime)
    page = opened.page
    page.get_by_role("textbox", name="Your code").wait_for()
    button = run_button(page)
    expect(button).to_have_text("Loading Python…")
    button.click()
    expect(page.locator("#runner [role=status]")).to_contain_text("runs as soon as it is ready")
    for _ in range(150):  # the worker asks for the runtime once its loader has started
        if held:
            break
        page.wait_for_timeout(100)
    assert held, "the worker never asked for Python's runtime"
    expect(button).to_have_text("Loading Python…")
    held[0].continue_()
    # No second press: the results come once Python is up.
    expect(page.locator(".run-results li")).to_have_count(4, timeout=BOOT_TIMEOUT)
    expect(button).to_have_text("Run", timeout=15_000)
    assert [p.fields for p in posted("code")] == [{"code": runner_urls.STARTER}]
    opened.assert_clean()


def test_d_a_failing_hidden_case_shows_hidden_test_n_and_never_its_source(open_problem) -> None:
    opened = open_problem("pair")
    page = opened.page
    # Passes the visible tests; on the first hidden one it raises with the hidden input in
    # the exception, on the second it returns a wrong value.
    code = (
        "def pair_with_sum(nums, target):\n"
        "    if not nums:\n"
        "        raise KeyError(f'secret {nums} {target}')\n"
        "    print('called with', nums, target)\n"
        "    return [1, 3] if target == 6 else [0, 2]\n"
    )

    found = run(page, code)

    assert found == [
        "Passed assert pair_with_sum([1, 2, 3, 4, 6], 6) == [1, 3]",
        "Passed assert pair_with_sum([2, 5, 9, 11], 11) == [0, 2]",
        "Error Hidden test 1",
        "Failed Hidden test 2",
    ]
    # Neither the hidden sources nor what the code raised or returned on them, anywhere the
    # runner writes.
    shown = (
        page.locator("#runner .runner-body")
        .inner_html()
        .replace(page.locator(".cm-editor").inner_html(), "")
    )
    for hidden in runner_urls.HIDDEN:
        assert hidden["source"].removeprefix("assert ").split(" ==")[0] not in shown
    assert "secret" not in shown
    assert "KeyError" not in shown
    # What the code printed during the visible tests is shown; during hidden ones, not.
    printed = page.locator(".runner-output pre").inner_text()
    assert printed == "called with [1, 2, 3, 4, 6] 6\ncalled with [2, 5, 9, 11] 11\n"
    opened.assert_clean()


def test_e_f_every_request_stays_on_the_site_with_no_console_error_or_csp_violation(
    open_problem,
) -> None:
    opened = open_problem("pair")
    page = opened.page
    run(page, WRONG)
    run(page, SOLUTION)
    page.get_by_role("button", name="Show a hint").click()
    expect(page.locator("#hints-shown .hint")).to_have_count(1)
    page.get_by_role("button", name="Show the solution").click()
    expect(page.locator("#solution-shown")).to_contain_text("Two pointers.")

    paths = {urlsplit(url).path for url in opened.requests}
    # The worker's requests are seen too: Pyodide's runtime, from our own static files.
    assert {
        "/static/build/practice.js",
        "/static/build/runner-worker.js",
        runtime("pyodide.asm.mjs"),
        runtime("pyodide.asm.wasm"),
        runtime("python_stdlib.zip"),
    } <= paths, paths
    opened.assert_clean()


def test_the_reader_code_that_does_not_run_makes_every_case_an_error(open_problem) -> None:
    opened = open_problem("pair")
    page = opened.page

    found = run(page, "def pair_with_sum(nums, target)\n    return []\n")

    message = "SyntaxError: expected ':' (line 1)"
    assert found == [
        f"Error assert pair_with_sum([1, 2, 3, 4, 6], 6) == [1, 3] {message}",
        f"Error assert pair_with_sum([2, 5, 9, 11], 11) == [0, 2] {message}",
        "Error Hidden test 1",
        "Error Hidden test 2",
    ]
    assert status(page) == "0 of 4 tests passed."
    found = run(page, "x = undefined_name\n")
    assert found[0].endswith("NameError: name 'undefined_name' is not defined")
    opened.assert_clean()


def test_a_visitor_is_asked_to_sign_in_and_nothing_is_posted(open_problem) -> None:
    opened = open_problem("pair-visitor")
    page = opened.page

    run(page, SOLUTION)

    expect(page.get_by_role("status")).to_have_text(
        "All 4 tests passed. Sign in to keep your solves."
    )
    assert runner_urls.POSTED == []
    opened.assert_clean()


def test_a_reader_who_may_not_run_the_problem_is_told_why_and_python_never_loads(
    open_problem,
) -> None:
    opened = open_problem("locked", wait=False)
    page = opened.page
    expect(page.locator("#runner")).to_contain_text("Subscribe to run this problem's tests.")
    page.wait_for_load_state("load")
    page.wait_for_timeout(500)
    assert page.locator(".cm-editor").count() == 0
    assert not [url for url in opened.requests if "pyodide" in url or "worker" in url]
    # The 403 itself is logged by the browser as a failed resource; nothing else is.
    assert all("403" in error for error in opened.errors), opened.errors


def test_hints_and_the_solution_are_shown_without_leaving_the_page(open_problem) -> None:
    opened = open_problem("pair", wait=False)
    page = opened.page
    url = page.url
    hint = page.get_by_role("button", name="Show a hint")

    hint.click()
    expect(page.locator("#hints-shown .hint")).to_have_count(1)
    expect(hint).to_be_visible()  # one more to come
    hint.click()
    expect(page.locator("#hints-shown .hint")).to_have_count(2)
    expect(hint).to_be_hidden()  # that was the last
    expect(page.locator("#hints-shown .hint").last).to_be_focused()
    page.get_by_role("button", name="Show the solution").click()
    expect(page.locator("#solution-shown")).to_have_text("Two pointers.")
    expect(page.get_by_role("button", name="Show the solution")).to_be_hidden()
    expect(page.locator("#solution-shown .solution")).to_be_focused()

    assert page.url == url
    assert [p.endpoint for p in runner_urls.POSTED] == ["hint", "hint", "solution"]
    assert all(p.headers["Accept"] == "application/json" for p in runner_urls.POSTED)
    opened.assert_clean()


def test_the_editor_indents_with_tab_lets_the_keyboard_out_and_resets(open_problem) -> None:
    opened = open_problem("pair")
    page = opened.page
    editor = page.get_by_role("textbox", name="Your code")
    assert editor.get_attribute("aria-describedby") == "runner-keys"
    # Python highlighting: the keyword has its token class.
    expect(page.locator(".cm-content .tok-keyword").first).to_have_text("def")

    editor.click()
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.press("Delete")
    page.keyboard.press("Tab")
    page.keyboard.type("x")
    assert editor_text(page) == "    x"  # Tab indented a level
    expect(editor).to_be_focused()
    # Escape, then Tab: focus moves on to the Run button.
    page.keyboard.press("Escape")
    page.keyboard.press("Tab")
    expect(run_button(page)).to_be_focused()

    page.get_by_role("button", name="Reset to starter").click()
    assert editor_text(page) == runner_urls.STARTER.rstrip("\n")
    # Typing over a selection of coloured code replaces it (with no style attribute for the
    # policy to block: assert_clean).
    editor.click()
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type("y")
    assert editor_text(page) == "y"
    opened.assert_clean()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_runner_has_no_serious_accessibility_violation(open_problem, scheme) -> None:
    # axe is injected as a script, past the policy.
    opened = open_problem("pair", bypass_csp=True, color_scheme=scheme)
    page = opened.page
    run(page, VISIBLE_ONLY)
    page.locator(".run-results").scroll_into_view_if_needed()
    screenshot(page, f"practice-runner-{scheme}")
    assert axe_violations(page) == []


def test_the_worker_script_carries_the_policy_pyodide_needs(open_problem) -> None:
    """The worker runs under its own script's policy (not the page's): the site's, with
    WebAssembly compilation allowed and nothing else added."""
    opened = open_problem("pair", wait=False)
    page = opened.page
    response = page.request.get(f"{opened.origin}/static/build/runner-worker.js")
    policy = response.headers["content-security-policy"]
    script_src = re.search(r"script-src ([^;]*)", policy)
    assert script_src
    assert script_src.group(1).split() == ["'self'", "'wasm-unsafe-eval'"]
    assert "unsafe-eval'" not in policy.replace("'wasm-unsafe-eval'", "")
    wasm = page.request.get(opened.origin + runtime("pyodide.asm.wasm"))
    assert wasm.headers["content-type"] == "application/wasm"
    module = page.request.get(opened.origin + runtime("pyodide.asm.mjs"))
    assert module.headers["content-type"].startswith("text/javascript")


def test_a_worker_policy_without_webassembly_leaves_run_off_and_says_why(open_problem) -> None:
    """What the worker's own policy is for: the site's policy alone (as Django's CSP
    middleware would send it) stops Pyodide, and the page says so instead of loading for ever."""

    def site_policy_only(route: Route) -> None:
        response = route.fetch()
        policy = response.headers["content-security-policy"].replace(" 'wasm-unsafe-eval'", "")
        route.fulfill(
            response=response, headers={**response.headers, "content-security-policy": policy}
        )

    opened = open_problem(
        "pair",
        wait=False,
        before=lambda context: context.route("**/runner-worker.js*", site_policy_only),
    )
    page = opened.page
    expect(run_button(page)).to_have_text("Run is unavailable", timeout=BOOT_TIMEOUT)
    expect(run_button(page)).to_be_disabled()
    assert "blocked by the site's policy" in status(page)


def test_the_help_a_reader_already_asked_for_comes_back_with_the_session(open_problem) -> None:
    opened = open_problem("pair-helped", wait=False)
    page = opened.page
    expect(page.locator("#hints-shown .hint")).to_have_count(2)
    expect(page.locator("#solution-shown")).to_have_text("Two pointers.")
    # Both hints and the solution read: nothing more to ask for.
    expect(page.get_by_role("button", name="Show a hint")).to_be_hidden()
    expect(page.get_by_role("button", name="Show the solution")).to_be_hidden()
    opened.assert_clean()


# --- The real problem page (practice.views), with a demo problem and a signed-in reader -------

DEMO = ROOT / "content" / "problems"
FREE = "pair-with-target-sum"


@pytest.fixture
def real_problem(transactional_db) -> Any:
    from practice.models import Problem
    from practice.services import problem_files, problems_import

    problems_import(problem_files([DEMO / f"{FREE}.md"]))
    return Problem.objects.get(slug=FREE)


def open_real_problem(open_problem, server: str, reader) -> Opened:
    def signed_in(context: BrowserContext) -> None:
        page = context.new_page()
        sign_in(page, reader, server)
        page.close()

    return open_problem(FREE, path=f"/problems/{FREE}/", before=signed_in)


def test_the_real_problem_page_runs_the_demo_problem_and_keeps_the_solve(
    open_problem, server, real_problem, reader
) -> None:
    from practice.models import Attempt, Solve

    opened = open_real_problem(open_problem, server, reader)
    page = opened.page

    found = run(page, WRONG)
    assert found[0].endswith("`pair_with_sum([1, 2, 3, 4, 6], 6)` returned `[]`")
    found = run(page, SOLUTION)
    assert all(line.startswith("Passed") for line in found)
    assert len(found) == len(runner_urls.VISIBLE) + len(runner_urls.HIDDEN)
    expect(page.get_by_role("status")).to_contain_text("All 4 tests passed. Solved.")
    assert Solve.objects.filter(user=reader, problem=real_problem).count() == 1
    assert Attempt.objects.get(user=reader, problem=real_problem).code == SOLUTION

    # Another device: the reader's code and their solve are there.
    other = open_real_problem(open_problem, server, reader)
    assert editor_text(other.page) == SOLUTION.rstrip("\n")
    expect(other.page.get_by_role("status")).to_contain_text(
        "You have solved this problem. It comes back to be re-solved on"
    )

    # A hint asked for on the page comes back with the next visit's session.
    page.get_by_role("button", name="Show a hint").click()
    expect(page.locator("#hints-shown > *")).to_have_count(1)
    page.reload()
    expect(page.locator("#hints-shown > *")).to_have_count(1)
    opened.assert_clean()
