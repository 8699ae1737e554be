"""In a real browser: a guide's Markdown editor lists every error by line (each wrong front
matter key too), and a click on one puts the cursor on that line of the text; the guide's admin
page offers the editor once."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

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


def test_the_guides_list_shows_published_at_on_a_1280_px_screen(
    site, new_page, editor, seed_guide
) -> None:
    page = new_page(viewport={"width": 1280, "height": 800})
    sign_in(page, editor, site)
    page.goto(f"{site}/admin/articles/guide/")
    # The list scrolls inside its own box (.results), which ends before the filters.
    results = page.locator(".results").bounding_box()
    header = page.locator("#result_list thead th.column-published").bounding_box()
    assert results is not None
    assert header is not None
    assert header["x"] + header["width"] <= results["x"] + results["width"]
    assert page.evaluate("document.querySelector('.results').scrollWidth") <= results["width"]


def test_the_revision_diff_is_single_spaced_under_styled_breadcrumbs(
    site, new_page, editor
) -> None:
    (guide,) = guides_import([("heaps.md", VALID)])
    guides_import([("heaps.md", VALID.replace("Second intro paragraph.", "Later intro."))])
    page = new_page(viewport={"width": 1280, "height": 800})
    sign_in(page, editor, site)
    page.goto(f"{site}/admin/articles/guide/{guide.pk}/revisions/?a=1&b=2")
    crumbs = page.locator("ol.breadcrumbs")
    expect(crumbs.get_by_role("link", name="Guides")).to_be_visible()
    # The admin's own breadcrumb bar: its background, not the page's.
    assert crumbs.evaluate("e => getComputedStyle(e).backgroundColor") != page.evaluate(
        "getComputedStyle(document.body).backgroundColor"
    )
    lines = page.locator(".revision-diff span")
    first, second = lines.nth(0).bounding_box(), lines.nth(1).bounding_box()
    assert first is not None
    assert second is not None
    assert second["y"] - first["y"] == pytest.approx(first["height"], abs=1)


def test_three_bad_front_matter_keys_are_three_errors_each_at_its_line(
    site, new_page, editor
) -> None:
    (guide,) = guides_import([("heaps.md", VALID)])
    page = new_page(viewport={"width": 1280, "height": 900})
    sign_in(page, editor, site)
    page.goto(f"{site}/admin/articles/guide/{guide.pk}/markdown/")
    box = page.locator("#id_markdown")
    broken = (
        box.input_value()
        .replace("track: coding", "track: codng")
        .replace("access: premium", "access: vip")
        .replace("status: published", "status: published\nsubtitle: x")
    )
    box.fill(broken)
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Fix 3 problems").wait_for()
    lines = broken.split("\n")
    for start in ("track:", "access:", "subtitle:"):
        line = next(n for n, text in enumerate(lines, start=1) if text.startswith(start))
        expect(page.get_by_role("link", name=f"line {line}", exact=True)).to_have_count(1)
    page.get_by_role("link", name=f"line {lines.index('subtitle: x') + 1}", exact=True).click()
    start, end = box.evaluate("box => [box.selectionStart, box.selectionEnd]")
    assert box.input_value()[start:end] == "subtitle: x"
    assert guide.revisions.count() == 1


def test_the_guide_admin_page_offers_edit_as_markdown_once(site, new_page, editor) -> None:
    (guide,) = guides_import([("heaps.md", VALID)])
    page = new_page(viewport={"width": 1280, "height": 900})
    sign_in(page, editor, site)
    page.goto(f"{site}/admin/articles/guide/{guide.pk}/change/")
    expect(page.get_by_text("Edit as Markdown")).to_have_count(1)
    expect(page.get_by_role("link", name="Revisions", exact=True)).to_have_count(1)
    # It leads the page: the first of the buttons at the top.
    expect(page.locator(".object-tools a").first).to_have_text("Edit as Markdown")
    page.get_by_role("link", name="Edit as Markdown").click()
    expect(page.locator("#id_markdown")).to_be_visible()
