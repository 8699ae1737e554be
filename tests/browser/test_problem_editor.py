"""In a real browser: an editor writes a problem in the admin's Markdown editor as they would a
guide (live preview with its hints and solution, an error fixed by its line, a save that runs
the solution, a save refused by a failing case kept as typed)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from practice.models import Problem
from practice.services import problems_import

from .conftest import axe_violations, screenshot, set_markdown, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parent.parent.parent
PAIR = (ROOT / "content" / "problems" / "pair-with-target-sum.md").read_text(encoding="utf-8")


def test_an_editor_writes_a_problem_in_the_markdown_editor(site, new_page, editor) -> None:
    (problem,) = problems_import([("pair-with-target-sum.md", PAIR)])
    page = new_page(viewport={"width": 1400, "height": 900})
    sign_in(page, editor, site)
    page.goto(site + reverse("admin:practice_problem_change", args=[problem.pk]))
    screenshot(page, "admin-problem-change")
    page.get_by_role("link", name="Edit as Markdown").first.click()
    frame = page.frame_locator("#preview-frame")
    frame.get_by_role("heading", name="Pair With Target Sum").wait_for()
    frame.get_by_role("heading", name=re.compile("^Hints")).wait_for()
    assert axe_violations(page) == []
    editor_box = page.locator("#id_markdown")
    text = editor_box.input_value()

    # Typing refreshes the preview, hints included.
    typed = text.replace("2. Start with one pointer", "2. Typed hint: start with one pointer")
    set_markdown(page, typed)
    frame.get_by_text("Typed hint: start with one pointer").wait_for()

    # An error shows in the preview with its line; fixing it brings the problem back.
    broken = typed.replace("## Solution", "## Solutions")
    line = broken.splitlines().index("## Solutions") + 1
    set_markdown(page, broken)
    frame.get_by_text(re.compile(f"line {line}: a problem has one")).wait_for()
    set_markdown(page, typed)
    frame.get_by_role("heading", name=re.compile("^Solution")).wait_for()
    screenshot(page, "admin-problem-editor")

    # A solution that fails a case is refused on saving, naming the case's line; the text stays.
    wrong = typed.replace("return [left, right]", "return [right, left]")
    set_markdown(page, wrong)
    page.get_by_role("button", name="Save").click()
    case = wrong.splitlines().index("assert pair_with_sum([1, 2, 3, 4, 6], 6) == [1, 3]") + 1
    page.get_by_text(f"line {case}: the solution fails this test case").wait_for()
    assert page.locator("#id_markdown").input_value() == wrong.replace("\r\n", "\n")
    page.wait_for_function("document.getElementById('preview-status').textContent === ''")
    frame.get_by_role("heading", name="Pair With Target Sum").wait_for()
    # Their markers stay on the cases' lines once the preview (which runs no solution) is back.
    markers = page.locator("#markdown-editor .cm-lint-marker-error")
    expect(markers).to_have_count(2)
    numbers = page.locator("#markdown-editor .cm-lineNumbers")
    for marker, line in zip(markers.all(), (case, case + 1), strict=True):
        marker_box = marker.bounding_box()
        number_box = numbers.get_by_text(str(line), exact=True).bounding_box()
        assert marker_box is not None
        assert number_box is not None
        assert abs(marker_box["y"] - number_box["y"]) < number_box["height"]

    # Fixed, it saves as a new revision.
    set_markdown(page, typed)
    page.get_by_role("button", name="Save").click()
    page.get_by_text("as a new revision").wait_for()
    assert Problem.objects.get().hints[1].startswith("Typed hint")
    assert problem.revisions.count() == 2


def test_raw_html_in_a_statement_is_listed_with_its_line_on_saving(site, new_page, editor) -> None:
    (problem,) = problems_import([("pair-with-target-sum.md", PAIR)])
    page = new_page(viewport={"width": 1400, "height": 900})
    sign_in(page, editor, site)
    page.goto(site + reverse("admin:practice_problem_change", args=[problem.pk]))
    # The editor is offered once, at the top of the page.
    expect(page.get_by_text("Edit as Markdown")).to_have_count(1)
    page.get_by_role("link", name="Edit as Markdown").click()
    box = page.locator("#id_markdown")
    broken = (
        box.input_value()
        .replace("smaller index first.", "<b>smaller</b> index first.")
        .replace("2. Start with one pointer", "2. Start with <kbd>one</kbd> pointer")
    )
    set_markdown(page, broken)
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Fix 2 problems").wait_for()
    lines = broken.split("\n")
    for start in ("Given a list", "2. Start with"):
        line = next(n for n, text in enumerate(lines, start=1) if text.startswith(start))
        expect(page.get_by_text(f"line {line}: raw HTML is not supported")).to_have_count(1)
    assert box.input_value() == broken
    assert problem.revisions.count() == 1
