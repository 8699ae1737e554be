"""In a real browser: a guide's Markdown editor lists every error by line, and a click on one
puts the cursor on that line of the text."""

from __future__ import annotations

import pytest

from articles.services import guides_import

from ..helpers import VALID
from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_click_on_an_error_puts_the_cursor_on_its_line(site, new_page, editor) -> None:
    (guide,) = guides_import([("heaps.md", VALID)])
    page = new_page(viewport={"width": 1280, "height": 900})
    sign_in(page, editor, site)
    page.goto(f"{site}/admin/articles/guide/{guide.pk}/markdown/")
    box = page.locator("#id_markdown")
    text = box.input_value()
    broken = text.replace("Second intro paragraph.", "### A subheading in the intro").replace(
        "- [ ] Second item", "- [ ] Second item\n\n***"
    )
    box.fill(broken)
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Fix 2 problems").wait_for()
    line = broken.split("\n").index("***") + 1
    page.get_by_role("link", name=f"line {line}").click()
    start, end = box.evaluate("box => [box.selectionStart, box.selectionEnd]")
    value = box.input_value()
    assert value[:start].count("\n") == line - 1
    assert value[start:end] == "***"
    assert box.evaluate("box => document.activeElement === box")
