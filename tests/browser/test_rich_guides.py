"""In a real browser: a guide with every rich block is accessible in light and dark, its code
scrolls inside the block on a phone and copies with one click; and an editor writes a guide in the
Markdown editor (live preview, an error fixed by its line, an image uploaded, a save, a restore)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from articles.models import Guide, GuideRevision
from articles.services import guide_files, guides_import

from ..factories import SubscriptionFactory
from ..helpers import png, rich_folder_in
from .conftest import axe_violations, screenshot, set_markdown, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def rich(tmp_path: Path) -> Guide:
    (guide,) = guides_import(guide_files([rich_folder_in(tmp_path)]))
    return guide


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_a_guide_with_every_block_is_accessible_to_subscribers_and_visitors(
    site, new_page, rich: Guide, reader, scheme
) -> None:
    SubscriptionFactory(user=reader)
    page = new_page(color_scheme=scheme)
    sign_in(page, reader, site)
    page.goto(site + rich.get_absolute_url())
    assert page.locator("figure.code pre code .k").first.is_visible()  # highlighted
    # Both images are drawn, at the size the page reserved for them.
    for image in page.locator("figure.image img").all():
        image.scroll_into_view_if_needed()
        page.wait_for_function(
            "img => img.complete && img.naturalWidth > 0", arg=image.element_handle()
        )
    assert axe_violations(page) == []
    screenshot(page, f"guide-every-block-{scheme}")
    visitor = new_page(color_scheme=scheme)
    visitor.goto(site + rich.get_absolute_url())
    assert visitor.locator("#paywall").is_visible()
    assert visitor.locator("figure.image img").count() == 1  # the premium one is not sent
    assert axe_violations(visitor) == []


def test_code_scrolls_inside_its_block_on_a_phone_and_copies(site, new_page, rich: Guide) -> None:
    page = new_page(
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        permissions=["clipboard-read", "clipboard-write"],
        bypass_csp=False,  # the copy button's script runs under the real policy
    )
    page.goto(site + rich.get_absolute_url())
    pre = page.locator("figure.code pre").first
    widths = pre.evaluate("pre => [pre.scrollWidth, pre.clientWidth]")
    assert widths[0] > widths[1]  # the long line scrolls inside the block...
    page_width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert page_width[0] <= page_width[1]  # ...and the page itself does not scroll sideways
    screenshot(page, "guide-code-phone")
    button = page.get_by_role("button", name="Copy the code").first
    button.click()
    # The label changes when the clipboard's promise resolves (and back after 2 s): wait for it.
    expect(button).to_have_text("Copied")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith("def longest(items, limit):\n    # Expand on the right;")


def test_an_editor_writes_a_guide_in_the_markdown_editor(
    site, new_page, rich: Guide, editor, tmp_path: Path
) -> None:
    page = new_page(viewport={"width": 1400, "height": 900})
    sign_in(page, editor, site)
    page.goto(site + reverse("admin:articles_guide_markdown", args=[rich.pk]))
    frame = page.frame_locator("#preview-frame")
    frame.get_by_role("heading", name="Sliding windows in code").wait_for()
    editor_box = page.locator("#id_markdown")
    text = editor_box.input_value()
    assert text.startswith('---\ntitle: "Sliding windows in code"')

    # Typing refreshes the preview.
    typed = text.replace("The loop in full:", "The loop in full, typed in the browser:")
    set_markdown(page, typed)
    frame.get_by_text("The loop in full, typed in the browser:").wait_for()

    # An error shows in the preview with its line; fixing it brings the guide back.
    broken = typed.replace("### Grow, then shrink", "#### Grow, then shrink")
    line = broken.splitlines().index("#### Grow, then shrink") + 1
    set_markdown(page, broken)
    frame.get_by_text(re.compile(f"line {line}: only '## ' section headings")).wait_for()
    set_markdown(page, typed)
    frame.get_by_role("heading", name="Grow, then shrink").wait_for()

    # As a visitor, the preview stops at the paywall.
    page.select_option("#id_as", "visitor")
    frame.locator("#paywall").wait_for()
    assert frame.get_by_text("zqxpremiumcallout").count() == 0

    # An image uploaded from the page is inserted into the text (not saved yet).
    diagram = tmp_path / "fleet-diagram.png"
    diagram.write_bytes(png(1200, 500, "#225588"))
    page.set_input_files("#id_image", str(diagram))
    page.get_by_label("Alt text").fill("A fleet, in two rows")
    page.get_by_role("button", name="Upload and insert").click()
    page.get_by_text("Uploaded fleet-diagram.png").wait_for()
    assert (
        page.locator("#id_markdown")
        .input_value()
        .endswith("![A fleet, in two rows](images/fleet-diagram.png)\n")
    )
    screenshot(page, "admin-markdown-editor")

    # Saved: a new revision, and readers see it.
    page.get_by_role("button", name="Save").click()
    page.get_by_text("as a new revision").wait_for()
    latest = rich.revisions.order_by("-number").first()
    assert (latest.number, latest.source, latest.author_id) == (2, "editor", editor.pk)
    reader_page = new_page()
    sign_in(reader_page, SubscriptionFactory().user, site)
    reader_page.goto(site + rich.get_absolute_url())
    reader_page.get_by_text("The loop in full, typed in the browser:").wait_for()
    assert reader_page.locator('img[alt="A fleet, in two rows"]').count() == 1

    # The revisions page shows what changed and restores the first revision.
    page.goto(site + reverse("admin:articles_guide_revisions", args=[rich.pk]) + "?a=1&b=2")
    assert page.locator(".diff-add").filter(has_text="typed in the browser").count() == 1
    screenshot(page, "admin-guide-revisions")
    first = page.locator("tbody tr").filter(has=page.get_by_role("rowheader", name="1", exact=True))
    first.get_by_role("button", name="Restore").click()
    page.get_by_text("Restored revision 1 as a new revision.").wait_for()
    assert GuideRevision.objects.filter(guide=rich).count() == 3
    assert "typed in the browser" not in Guide.objects.get(pk=rich.pk).full_text


# The box of a code block's first line of text, and the Copy button's box, both as the reader
# sees them (the line clipped to the block's visible width: a long line scrolls inside it).
FIRST_LINE_AND_BUTTON = """figure => {
  const pre = figure.querySelector("pre");
  const code = pre.querySelector("code");
  const walker = document.createTreeWalker(code, NodeFilter.SHOW_TEXT);
  const range = document.createRange();
  range.setStart(code, 0);
  let node;
  while ((node = walker.nextNode())) {
    const end = node.textContent.indexOf("\\n");
    if (end >= 0) { range.setEnd(node, end); break; }
    range.setEndAfter(node);
  }
  const line = range.getBoundingClientRect();
  const visible = pre.getBoundingClientRect();
  const box = figure.querySelector(".copy").getBoundingClientRect();
  return {
    line: [Math.max(line.left, visible.left), line.top,
           Math.min(line.right, visible.right), line.bottom],
    button: [box.left, box.top, box.right, box.bottom],
  };
}"""


def test_on_a_phone_the_copy_button_leaves_the_first_line_of_code_uncovered(
    site, new_page, rich: Guide
) -> None:
    from ..factories import make_guide

    long_first_line = make_guide(
        slug="long-first-line",
        access="free",
        sections=[
            [("code", "answer = sliding_window_maximum(items, limit)  # the widest window\nok")]
        ],
    )
    page = new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    for guide in (long_first_line, rich):
        page.goto(site + guide.get_absolute_url())
        figures = page.locator("figure.code:has(.copy)")
        expect(figures.first).to_be_visible()
        for figure in figures.all():
            boxes = figure.evaluate(FIRST_LINE_AND_BUTTON)
            (ll, lt, lr, lb), (bl, bt, br, bb) = boxes["line"], boxes["button"]
            overlap = min(lr, br) > max(ll, bl) and min(lb, bb) > max(lt, bt)
            assert not overlap, (guide.slug, boxes)
    screenshot(page, "guide-code-copy-phone")
