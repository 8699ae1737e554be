"""In a real browser: a guide's Markdown editor (CodeMirror, Markdown mode) numbers and wraps its
lines and marks each error on its line (each wrong front matter key too); a click on "line N"
selects that line; its preview keeps its place and follows the text being edited; a refused save
or an upload keeps the text, the cursor and the preview of the text; an image lands at the
cursor; leaving with unsaved text asks first; and what someone else saved meanwhile shows beside
the kept text. The admin's own pages around it too: the guide's page offers the editor once."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from articles.services import guides_import

from ..helpers import VALID, png
from .conftest import axe_violations, cursor_line, set_markdown, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def long_guide(sections: int = 30) -> str:
    """A free guide long enough to scroll: `sections` sections of four paragraphs each."""
    body = "\n\n".join(
        f"## Section {n}\n\n"
        + "\n\n".join(
            f"Paragraph {p} of section {n}: " + "words that fill the line and wrap " * 6
            for p in range(1, 5)
        )
        for n in range(1, sections + 1)
    )
    head = VALID.split("---\n")[1].replace("access: premium", "access: free")
    head = head.replace("heaps-for-interviews", "a-long-guide")
    return f"---\n{head}---\nThe introduction.\n\n{body}\n"


def open_editor(page, site: str, guide) -> None:
    page.goto(f"{site}/admin/articles/guide/{guide.pk}/markdown/")
    page.locator("#markdown-editor .cm-content").wait_for()
    page.frame_locator("#preview-frame").locator("main h1").wait_for()


def editing(site: str, new_page, editor, markdown: str = VALID, **options):
    """A guide imported from this Markdown, open in the editor of a signed-in editor's page:
    (the page, the guide)."""
    (guide,) = guides_import([("guide.md", markdown)])
    page = new_page(viewport={"width": 1280, "height": 900}, **options)
    sign_in(page, editor, site)
    open_editor(page, site, guide)
    return page, guide


def type_at_the_end(page, text: str) -> None:
    page.locator("#markdown-editor .cm-content").focus()
    page.keyboard.press("ControlOrMeta+End")
    page.keyboard.type(text)


def preview_scroll(page) -> float:
    return page.locator("#preview-frame").evaluate("frame => frame.contentWindow.scrollY")


def wait_for_preview(page, text: str) -> None:
    """Wait until the preview shows this text and has restored its scroll (a frame later)."""
    page.frame_locator("#preview-frame").get_by_text(text).first.wait_for()
    page.wait_for_function("document.getElementById('preview-status').textContent === ''")


def in_preview_view(page, text: str) -> bool:
    """Whether the preview's paragraph holding this text is within its visible height."""
    return page.locator("#preview-frame").evaluate(
        """(frame, text) => {
            const win = frame.contentWindow;
            const paragraph = [...win.document.querySelectorAll("main p")]
                .find((p) => p.textContent.includes(text));
            const box = paragraph.getBoundingClientRect();
            return box.bottom > 0 && box.top < win.innerHeight;
        }""",
        text,
    )


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_editor_numbers_wraps_and_marks_each_error_on_its_line(
    site, new_page, editor, scheme: str
) -> None:
    page, _guide = editing(site, new_page, editor, VALID, color_scheme=scheme)
    # The editor takes the text box's place (the box stays in the form, hidden, in step).
    expect(page.locator("#id_markdown")).to_be_hidden()
    # Line numbers, and long lines wrap inside the editor instead of scrolling sideways.
    gutter = page.locator("#markdown-editor .cm-lineNumbers")
    expect(gutter.get_by_text("12", exact=True)).to_be_visible()
    # The front matter reads as YAML keys, the body as Markdown (not the front matter as one
    # heading, which its closing --- would make of it in Markdown alone).
    title = page.locator(".cm-line", has_text="title:")
    expect(title.locator(".tok-propertyName")).to_have_text("title")
    expect(title.locator(".tok-heading")).to_have_count(0)
    expect(
        page.locator(".cm-line", has_text="## Why heaps").locator(".tok-heading")
    ).not_to_have_count(0)
    long_line = "A sentence long enough to need more than one line on screen. " * 8
    set_markdown(page, VALID.replace("Second intro paragraph.", long_line))
    scroller = page.locator("#markdown-editor .cm-scroller")
    assert scroller.evaluate("e => e.scrollWidth <= e.clientWidth")
    row = page.locator(".cm-line", has_text="A sentence long enough").bounding_box()
    assert row is not None
    assert row["height"] > 40  # several screen lines

    broken = VALID.replace("Second intro paragraph.", "### A subheading in the intro").replace(
        "- [ ] Second item", "- [ ] Second item\n\n***"
    )
    set_markdown(page, broken)
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Fix 2 problems").wait_for()
    lines = broken.split("\n")
    wrong = [lines.index("### A subheading in the intro") + 1, lines.index("***") + 1]
    # Each error is marked in the gutter, on its own line.
    markers = page.locator("#markdown-editor .cm-lint-marker-error")
    expect(markers).to_have_count(2)
    for marker, line in zip(markers.all(), wrong, strict=True):
        number = gutter.get_by_text(str(line), exact=True).bounding_box()
        box = marker.bounding_box()
        assert number is not None
        assert box is not None
        assert abs((box["y"] + box["height"] / 2) - (number["y"] + number["height"] / 2)) < 8

    # "line N" beside an error selects that line in the editor, with the cursor there.
    page.get_by_role("link", name=f"line {wrong[1]}").click()
    assert cursor_line(page) == wrong[1]
    assert page.evaluate("getSelection().toString()") == "***"
    assert page.evaluate("document.activeElement.classList.contains('cm-content')")
    assert axe_violations(page) == []


def test_the_preview_keeps_its_place_and_follows_the_text_being_edited(
    site, new_page, editor
) -> None:
    page, _guide = editing(site, new_page, editor, long_guide())
    # Writing at the end of the guide: the preview goes there, not back to the top.
    type_at_the_end(page, " Typed at the end.")
    wait_for_preview(page, "Typed at the end.")
    assert preview_scroll(page) > 3000
    assert in_preview_view(page, "Typed at the end.")

    # The writer scrolls the preview (the paragraph still in view, mid-height); more typing in
    # the same part leaves it there.
    page.locator("#preview-frame").evaluate(
        """frame => {
            const win = frame.contentWindow;
            const paragraph = [...win.document.querySelectorAll("main p")]
                .find((p) => p.textContent.includes("Typed at the end."));
            const middle = paragraph.getBoundingClientRect().top + win.scrollY;
            win.scrollTo(0, middle - win.innerHeight / 2);
        }"""
    )
    where = preview_scroll(page)
    page.keyboard.type(" And more.")
    wait_for_preview(page, "Typed at the end. And more.")
    assert preview_scroll(page) == pytest.approx(where, abs=2)

    # Moving the cursor to another part of the text takes the preview there too.
    page.keyboard.press("ControlOrMeta+Home")
    page.wait_for_function("document.getElementById('preview-frame').contentWindow.scrollY < 200")


def test_a_refused_save_keeps_the_text_the_cursor_and_previews_the_text(
    site, new_page, editor
) -> None:
    page, _guide = editing(site, new_page, editor, long_guide())
    type_at_the_end(page, "A new paragraph with <b>raw HTML</b>.")
    typed = page.locator("#id_markdown").input_value()
    last = typed.count("\n") + 1
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Fix 1 problem").wait_for()
    # Nothing saved, nothing lost: the text as typed, the cursor where it was, in view.
    assert page.locator("#id_markdown").input_value() == typed
    assert cursor_line(page) == last
    expect(page.locator(".cm-line", has_text="A new paragraph with")).to_be_in_viewport()
    assert page.locator("#markdown-editor .cm-scroller").evaluate("e => e.scrollTop") > 1000
    # The preview shows the text being edited (its error), not the guide as saved.
    page.frame_locator("#preview-frame").locator("#preview-errors").get_by_text(
        f"line {last}:"
    ).wait_for()


def test_a_save_keeps_the_cursor_on_its_line(site, new_page, editor) -> None:
    page, guide = editing(site, new_page, editor, long_guide())
    page.locator(".cm-line", has_text="Paragraph 2 of section 1:").click()
    page.keyboard.type(" Edited here. ")
    line = cursor_line(page)
    page.get_by_role("button", name="Save").click()
    page.get_by_text("as a new revision").wait_for()
    assert guide.revisions.count() == 2
    # The page shows the saved text, with the cursor on the line the writer was on.
    assert cursor_line(page) == line
    expect(page.locator(".cm-activeLine")).to_contain_text(" Edited here. ")


def test_an_uploaded_image_lands_at_the_cursor_and_the_text_is_kept(
    site, new_page, editor, tmp_path: Path
) -> None:
    page, guide = editing(site, new_page, editor, long_guide())
    page.locator(".cm-line", has_text="Paragraph 2 of section 1:").click()
    page.keyboard.press("End")
    page.keyboard.type(" Unsaved words.")
    diagram = tmp_path / "bucket.png"
    diagram.write_bytes(png(800, 400, "#225588"))
    page.set_input_files("#id_image", str(diagram))
    page.get_by_label("Alt text").fill("Tokens in a bucket")
    page.get_by_role("button", name="Upload and insert").click()
    page.get_by_text("Uploaded bucket.png").wait_for()
    lines = page.locator("#id_markdown").input_value().split("\n")
    typed = next(n for n, line in enumerate(lines) if "Unsaved words." in line)
    # The image is the paragraph after the cursor's line; the cursor is on it.
    assert lines[typed + 2] == "![Tokens in a bucket](images/bucket.png)"
    assert cursor_line(page) == typed + 3
    expect(page.get_by_text(f"added it on line {typed + 3}")).to_be_visible()
    # The preview shows the kept text with its image, before any save.
    frame = page.frame_locator("#preview-frame")
    frame.get_by_text("Unsaved words.").wait_for()
    expect(frame.locator('img[alt="Tokens in a bucket"]')).to_have_count(1)
    assert guide.revisions.count() == 1


def test_leaving_with_unsaved_text_asks_first_and_saving_does_not(site, new_page, editor) -> None:
    page, _guide = editing(site, new_page, editor)
    dialogs: list[str] = []

    def dismiss(dialog) -> None:
        dialogs.append(dialog.type)
        dialog.dismiss()

    page.on("dialog", dismiss)
    page.locator(".cm-line", has_text="Second intro paragraph.").click()
    page.keyboard.press("End")
    page.keyboard.type(" Not saved yet.")
    page.locator("ol.breadcrumbs").get_by_role("link", name="Home").click()
    page.wait_for_timeout(500)
    assert dialogs == ["beforeunload"]
    assert page.url.endswith("/markdown/")
    assert "Not saved yet." in page.locator("#id_markdown").input_value()
    # Saving leaves without asking, and the saved page asks nothing either.
    page.get_by_role("button", name="Save").click()
    page.get_by_text("as a new revision").wait_for()
    page.locator("ol.breadcrumbs").get_by_role("link", name="Home").click()
    page.wait_for_url(f"{site}/admin/")
    assert dialogs == ["beforeunload"]


def test_see_what_changed_shows_beside_the_kept_text(site, new_page, editor) -> None:
    page, guide = editing(site, new_page, editor)
    page.locator(".cm-line", has_text="Second intro paragraph.").click()
    page.keyboard.press("End")
    page.keyboard.type(" My words.")
    # Someone else saves the guide meanwhile.
    guides_import([("guide.md", VALID.replace("First intro paragraph", "Their intro paragraph"))])
    page.get_by_role("button", name="Save").click()
    page.locator("#editor-stale").wait_for()
    # Their change is shown on the page, beside the text as typed, which is still there.
    changes = page.locator("#stale-changes")
    expect(changes.locator(".diff-add")).to_contain_text("Their intro paragraph")
    expect(changes.locator(".diff-remove")).to_contain_text("First intro paragraph")
    expect(page.locator(".cm-line", has_text="My words.")).to_be_visible()
    # The full comparison opens in a new tab; this one keeps the text.
    with page.context.expect_page() as opened:
        changes.get_by_role("link", name="Open the comparison in a new tab").click()
    comparison = opened.value
    comparison.locator(".revision-diff").wait_for()
    expect(comparison.get_by_text("From revision 1 to revision 2")).to_be_visible()
    assert "My words." in page.locator("#id_markdown").input_value()
    assert guide.revisions.count() == 2
    # The kept text is what the preview shows.
    page.frame_locator("#preview-frame").get_by_text("My words.").wait_for()


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
    page, guide = editing(site, new_page, editor)
    box = page.locator("#id_markdown")
    broken = (
        box.input_value()
        .replace("track: coding", "track: codng")
        .replace("access: premium", "access: vip")
        .replace("status: published", "status: published\nsubtitle: x")
    )
    set_markdown(page, broken)
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Fix 3 problems").wait_for()
    lines = broken.split("\n")
    for start in ("track:", "access:", "subtitle:"):
        line = next(n for n, text in enumerate(lines, start=1) if text.startswith(start))
        expect(page.get_by_role("link", name=f"line {line}", exact=True)).to_have_count(1)
    expect(page.locator("#markdown-editor .cm-lint-marker-error")).to_have_count(3)
    page.get_by_role("link", name=f"line {lines.index('subtitle: x') + 1}", exact=True).click()
    assert cursor_line(page) == lines.index("subtitle: x") + 1
    assert page.evaluate("getSelection().toString()") == "subtitle: x"
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
    expect(page.locator("#markdown-editor .cm-content")).to_be_visible()
