"""Rich blocks: code, images, lists, subheadings, callouts and data tables, from Markdown to the
page and back, behind the paywall like every other block."""

from __future__ import annotations

import io
import re
import zipfile
from http import HTTPStatus
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from PIL import Image

from articles.code_style import DARK, LIGHT, SITE_CSS, code_css, site_css_block
from articles.markdown import GuideFormatError, parse_guide, write_guide
from articles.models import Block, Guide, GuideImage
from articles.services import (
    GuideImportError,
    guide_data,
    guide_files,
    guide_save,
    guide_zip,
    guides_import,
    zip_sources,
)

from ..conftest import signed_in
from ..factories import SubscriptionFactory, UserFactory
from ..helpers import PREMIUM_WORDS, RICH, png, rich_folder_in


@pytest.fixture
def rich_folder(tmp_path: Path) -> Path:
    return rich_folder_in(tmp_path)


@pytest.fixture
def rich_guide(db, rich_folder: Path) -> Guide:
    (guide,) = guides_import(guide_files([rich_folder]))
    return guide


def test_every_rich_block_is_read_from_markdown_and_written_back_the_same() -> None:
    data = parse_guide(RICH, "rich.md")
    first, second = data.sections
    assert [b.kind for b in first.blocks] == [
        "subheading",
        "paragraph",
        "code",
        "image",
        "list",
        "list",
        "callout",
        "table",
    ]
    code = first.blocks[2]
    assert (code.language, code.caption) == ("python", "window.py")
    assert code.text.startswith("def longest(items, limit):\n    # Expand on the right;")
    image = first.blocks[3]
    assert (image.text, image.caption, image.src) == (
        "A window sliding over an array",
        "The window at step three",
        "images/window.png",
    )
    assert (
        first.blocks[4].text
        == "- Expand on the right\n  - one step at a time\n- Shrink on the left"
    )
    assert first.blocks[5].text == "1. Read the prompt\n2. Name the invariant"
    assert (first.blocks[6].style, first.blocks[6].text) == ("tip", "Say the invariant out loud.")
    assert first.blocks[7].text.splitlines()[0] == "Shape | Signal | Pointers"
    assert [b.kind for b in second.blocks] == ["subheading", "code", "image", "callout"]
    assert parse_guide(write_guide(data), "again.md") == data


@pytest.mark.parametrize(
    ("change", "line", "message"),
    [
        (("![A window sliding over an array]", "![]"), 28, "needs alt text"),
        (("  - one step at a time", "  - one step\n    - too deep"), 31, "one level deep"),
        (("> [!TIP]", "> [!DANGER]"), 37, "a callout is one of note, tip"),
        (("| Fixed window | `k` given | same direction |", "| Fixed | k |"), 42, "2 cells"),
        (('```python title="window.py"', "```python title=window.py"), 19, "a code fence is"),
        (("The loop in full:", "    indented code"), 17, "indented code"),
        (("The loop in full:", "Text ![inline](images/window.png) here"), 17, "own"),
        (("```sql", "```sql runnable"), 49, "only python"),
    ],
)
def test_a_malformed_rich_block_is_an_error_naming_the_line(change, line, message) -> None:
    with pytest.raises(GuideFormatError) as info:
        parse_guide(RICH.replace(*change), "rich.md")
    error = str(info.value)
    assert error.startswith(f"rich.md:{line}:"), error
    assert message in error


@pytest.mark.django_db
def test_an_unknown_code_language_is_plain_text_and_the_import_warns(rich_folder, capsys) -> None:
    (rich_folder / "rich.md").write_text(RICH.replace("```sql", "```notalanguage"))
    call_command("import_guides", str(rich_folder))
    assert "rich.md:49: unknown language 'notalanguage'" in capsys.readouterr().err
    subscriber = SubscriptionFactory().user
    page = signed_in(subscriber).get(Guide.objects.get().get_absolute_url()).content.decode()
    assert '<code class="language-notalanguage">SELECT zqxpremiumcode FROM windows;</code>' in page


@pytest.mark.django_db
def test_a_subscriber_sees_every_rich_block_rendered(rich_guide: Guide) -> None:
    page = signed_in(SubscriptionFactory().user).get(rich_guide.get_absolute_url())
    html = page.content.decode()
    # Code: highlighted on the server (Pygments' classes), its title a caption, focusable to scroll.
    assert '<figcaption id="code-' in html
    assert "window.py</figcaption>" in html
    assert '<pre tabindex="0"><code class="language-python"><span class="k">def</span>' in html
    # The copy button comes from a nonce'd static script.
    assert re.search(r'<script src="/static/js/code\.[0-9a-f]*\.?js" nonce="[^"]+" defer>', html)
    # Lists with one level of nesting.
    assert "<ul>\n<li>Expand on the right\n<ul>\n<li>one step at a time</li>" in html
    assert "<ol>\n<li>Read the prompt</li>" in html
    # A subheading, listed under its section in the table of contents.
    assert '<h3 id="the-template-grow-then-shrink">Grow, then shrink</h3>' in html
    assert '<li><a href="#the-template-grow-then-shrink">Grow, then shrink</a></li>' in html
    # A callout with its kind as a visible label.
    assert '<aside class="callout callout-tip" role="note">' in html
    assert '<p class="callout-label">Tip</p>' in html
    # A data table with header cells scoped to columns and rows.
    assert '<th scope="col">Pointers</th>' in html
    assert '<th scope="row">Fixed window</th><td><code>k</code> given</td>' in html
    # An image with its size reserved, a 2x rendition and a caption; the first section's image
    # loads at once, a later one lazily.
    image = GuideImage.objects.get(name="window.png")
    assert (image.width, image.height) == (720, 360)
    assert (
        f'<img src="{image.url("1x.webp")}" srcset="{image.url("1x.webp")} 1x, '
        f'{image.url("2x.webp")} 2x" width="720" height="360" '
        'alt="A window sliding over an array" decoding="async">'
    ) in html
    assert "<figcaption>The window at step three</figcaption>" in html
    assert 'alt="zqxpremiumalt diagram" loading="lazy"' in html
    # The word count includes the code a reader reads.
    assert rich_guide.word_count > 60


@pytest.mark.django_db
def test_no_premium_code_image_or_caption_reaches_a_reader_without_access(
    rich_guide: Guide,
) -> None:
    canceled = SubscriptionFactory(status="canceled").user
    premium = GuideImage.objects.get(name="premium.png")
    for client in (Client(), signed_in(UserFactory()), signed_in(canceled)):
        for url in (rich_guide.get_absolute_url(), "/feed/", "/sitemap.xml"):
            text = client.get(url).content.decode()
            for word in PREMIUM_WORDS:
                assert word not in text, (url, word)
            assert f"/images/{premium.pk}/" not in text
        # Search echoes the query, but finds nothing: the premium words are not searchable.
        for word in PREMIUM_WORDS:
            text = client.get(f"/search/?q={word}").content.decode()
            assert rich_guide.title not in text, word
            assert [w for w in PREMIUM_WORDS if w in text] == [word]
    # A subscriber finds the premium code by search.
    found = signed_in(SubscriptionFactory().user).get("/search/?q=zqxpremiumcode")
    assert rich_guide.title in found.content.decode()


@pytest.mark.django_db
def test_premium_images_are_sent_only_to_readers_with_access_and_free_ones_to_all(
    rich_guide: Guide,
) -> None:
    free = GuideImage.objects.get(name="window.png")
    premium = GuideImage.objects.get(name="premium.png")
    canceled = SubscriptionFactory(status="canceled").user
    for client in (Client(), signed_in(canceled)):
        response = client.get(free.url("1x.webp"))
        assert response.status_code == HTTPStatus.OK
        assert response["Content-Type"] == "image/webp"
        assert response["Cache-Control"] == "public, max-age=31536000, immutable"
        assert Image.open(io.BytesIO(response.content)).size == (720, 360)
        assert Image.open(io.BytesIO(client.get(free.url("2x.webp")).content)).size == (1440, 720)
        for variant in ("1x.webp", "2x.webp"):
            refused = client.get(premium.url(variant))
            assert refused.status_code == HTTPStatus.FORBIDDEN
            assert refused.content == b"This image is for subscribers."
    subscriber = signed_in(SubscriptionFactory().user)
    assert subscriber.get(free.url("1x.webp")).status_code == HTTPStatus.OK
    response = subscriber.get(premium.url("1x.webp"))
    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"] == "image/webp"
    assert response["Cache-Control"] == "private, max-age=600"
    assert "Cookie" in response["Vary"]
    assert Image.open(io.BytesIO(response.content)).size == (300, 200)
    # An address whose digest is not the file's (an old link) finds nothing.
    assert subscriber.get(f"/images/{premium.pk}/0000000000000000/1x.webp").status_code == 404


@pytest.mark.django_db
def test_a_draft_guides_images_are_for_staff_only(rich_guide: Guide, staff_client) -> None:
    Guide.objects.filter(pk=rich_guide.pk).update(status=Guide.Status.DRAFT)
    free = GuideImage.objects.get(name="window.png")
    assert Client().get(free.url("1x.webp")).status_code == HTTPStatus.FORBIDDEN
    assert signed_in(SubscriptionFactory().user).get(free.url("1x.webp")).status_code == 403
    assert staff_client.get(free.url("1x.webp")).status_code == HTTPStatus.OK


@pytest.mark.django_db
def test_export_is_a_zip_that_imports_back_to_the_same_guide(rich_guide: Guide) -> None:
    name, content = guide_zip(guide=rich_guide)
    assert name == "sliding-windows-in-code.zip"
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        assert sorted(archive.namelist()) == [
            "images/premium.png",
            "images/window.png",
            "sliding-windows-in-code.md",
        ]
    before = guide_data(rich_guide)
    Guide.objects.all().delete()
    GuideImage.objects.all().delete()
    (again,) = guides_import(zip_sources(name, content))
    assert guide_data(again) == before
    assert GuideImage.objects.get(name="window.png").width == 720


@pytest.mark.django_db
def test_a_guide_without_images_exports_as_bare_markdown(seed_guide: Guide) -> None:
    name, content = guide_zip(guide=seed_guide)
    assert name == f"{seed_guide.slug}.md"
    assert content.decode().startswith("---\ntitle:")


@pytest.mark.django_db
def test_images_that_cannot_be_used_stop_the_whole_import(rich_folder: Path) -> None:
    (rich_folder / "images" / "premium.png").write_bytes(b"not an image")
    (rich_folder / "other.md").write_text(RICH.replace("sliding-windows-in-code", "other"))
    (rich_folder / "other.md").write_text(
        RICH.replace("sliding-windows-in-code", "other").replace("images/window.png", "gone.png")
    )
    with pytest.raises(GuideImportError) as info:
        guides_import(guide_files([rich_folder]))
    errors = "\n".join(info.value.errors)
    assert "rich.md:53: 'images/premium.png' is not a PNG, JPEG or WebP image" in errors
    assert "other.md:28: the image 'gone.png' is not beside the Markdown file" in errors
    assert not Guide.objects.exists()
    assert not GuideImage.objects.exists()


@pytest.mark.django_db
def test_an_image_path_cannot_leave_the_guides_folder(rich_folder: Path) -> None:
    (rich_folder.parent / "secret.png").write_bytes(png(10, 10))
    (rich_folder / "rich.md").write_text(RICH.replace("images/window.png", "../secret.png"))
    with pytest.raises(GuideImportError, match=r"'\.\./secret\.png' is not beside"):
        guides_import(guide_files([rich_folder]))


@pytest.mark.django_db
def test_reimporting_a_changed_image_moves_the_page_to_the_new_file(rich_folder: Path) -> None:
    (guide,) = guides_import(guide_files([rich_folder]))
    old = GuideImage.objects.get(name="window.png").url("1x.webp")
    (rich_folder / "images" / "window.png").write_bytes(png(800, 800, "#00aa00"))
    guides_import(guide_files([rich_folder]))
    image = GuideImage.objects.get(name="window.png")
    assert image.url("1x.webp") != old
    page = signed_in(SubscriptionFactory().user).get(guide.get_absolute_url()).content.decode()
    assert image.url("1x.webp") in page
    assert old not in page
    assert 'width="720" height="720"' in page


@pytest.mark.django_db
def test_an_import_never_overwrites_an_editors_change_without_force(rich_folder: Path) -> None:
    (guide,) = guides_import(guide_files([rich_folder]))
    guide.dek = "The editor's better dek."
    guide_save(guide=guide)
    with pytest.raises(GuideImportError, match="'sliding-windows-in-code' was changed since"):
        guides_import(guide_files([rich_folder]))
    with pytest.raises(CommandError, match="import with --force"):
        call_command("import_guides", str(rich_folder))
    assert Guide.objects.get().dek == "The editor's better dek."
    # make run's import leaves an existing guide alone, and loads a missing one.
    (rich_folder / "new.md").write_text(RICH.replace("sliding-windows-in-code", "brand-new"))
    call_command("import_guides", "--new-only", str(rich_folder))
    assert Guide.objects.get(slug="sliding-windows-in-code").dek == "The editor's better dek."
    assert Guide.objects.filter(slug="brand-new").exists()
    # A forced import replaces it, and the next plain import is allowed again.
    call_command("import_guides", "--force", str(rich_folder))
    assert Guide.objects.get(slug="sliding-windows-in-code").dek == "The template, in Python."
    guides_import(guide_files([rich_folder]))


def _luminance(colour: str) -> float:
    colour = colour.lstrip("#")
    if len(colour) == 3:
        colour = "".join(c * 2 for c in colour)
    channels = [int(colour[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_code_colours_meet_wcag_aa_in_light_and_dark_and_the_stylesheet_is_current() -> None:
    css = code_css()
    assert site_css_block(SITE_CSS.read_text()) == css
    light, dark = css.split("@media (prefers-color-scheme: dark)")
    assert f"Pygments {LIGHT} (light) and {DARK} (dark)" in css
    for part in (light, dark):
        background = re.search(r"\.code pre \{ color: (#\w+); background: (#\w+); \}", part)
        assert background is not None
        text, page = background.groups()
        assert _contrast(text, page) >= 4.5
        for rule in re.finditer(r"\{ ([^}]*) \}", part):
            colour = re.search(r"(?<!-)color: (#\w+)", rule.group(1))
            fill = re.search(r"background-color: (#\w+)", rule.group(1))
            if colour:
                ground = fill.group(1) if fill else page
                assert _contrast(colour.group(1), ground) >= 4.5, rule.group(0)


@pytest.mark.django_db
def test_a_block_typed_into_the_admin_is_checked_as_markdown(rich_guide: Guide) -> None:
    from django.core.exceptions import ValidationError

    section = rich_guide.sections.first()
    too_deep = Block(section=section, kind="list", text="- a\n  - b\n    - c")
    with pytest.raises(ValidationError, match="one level deep"):
        too_deep.full_clean()
    callout = Block(section=section, kind="callout", text="Careful.", style="")
    with pytest.raises(ValidationError, match="A callout is one of note, tip"):
        callout.full_clean()
    callout.style = "warning"
    callout.full_clean()
    Block(section=section, kind="code", text="print(1)", language="python").full_clean()


def _one_block(body: str):
    text = f"---\ntitle: x\nslug: x\ntrack: coding\ndek: x\n---\n\n## S\n\n{body}\n"
    data = parse_guide(text, "x.md")
    assert parse_guide(write_guide(data), "again.md") == data  # and back, unchanged
    (block,) = data.sections[0].blocks
    return block


def test_awkward_content_survives_the_trip_to_markdown_and_back() -> None:
    # A list nested under a numbered item is indented to the item's text.
    nested = _one_block("1. first\n   - under it\n2. second")
    assert nested.text == "1. first\n   - under it\n2. second"
    # Empty first and last cells, and a pipe inside a cell.
    table = _one_block("| a | b | c |\n| --- | --- | --- |\n|  | `x \\| y` |  |")
    assert table.text.splitlines()[1] == " | `x \\| y` | "
    # Alt text with Markdown punctuation is plain text.
    image = _one_block(r"![a \*b\* \[c\] & d\_e](images/x.png)")
    assert image.text == "a *b* [c] & d_e"
    # A path with a space is written so Markdown still reads it as one path.
    spaced = _one_block("![alt](<images/my diagram.png>)")
    assert spaced.src == "images/my diagram.png"


def test_a_pull_quote_line_without_its_marker_is_an_error() -> None:
    with pytest.raises(GuideFormatError, match=r"x\.md:11: every line of a pull quote"):
        parse_guide(
            "---\ntitle: x\nslug: x\ntrack: coding\ndek: x\n---\n\n## S\n\n"
            "> first line\ncontinued\n> — Someone\n",
            "x.md",
        )


@pytest.mark.django_db
def test_escaped_pipes_are_pipes_to_the_reader(rich_folder: Path) -> None:
    text = RICH.replace(
        "| Fixed window | `k` given | same direction |",
        "| Fixed window | `a \\|\\| b` | same direction |",
    ).replace("### Grow, then shrink", "| Say | Mean |\n| --- | --- |\n| either \\| or | one |")
    (rich_folder / "rich.md").write_text(text)
    (guide,) = guides_import(guide_files([rich_folder]))
    phrases = Block.objects.get(section__guide=guide, kind="phrases")
    assert phrases.item_texts() == [("either | or", "one")]
    html = signed_in(SubscriptionFactory().user).get(guide.get_absolute_url()).content.decode()
    assert "<td><code>a || b</code></td>" in html
    assert '<th scope="row">either | or</th>' in html


@pytest.mark.django_db
def test_image_names_with_spaces_and_accents_import_and_export(tmp_path: Path) -> None:
    (tmp_path / "images").mkdir()
    (tmp_path / "images" / "Schéma final.png").write_bytes(png(400, 200))
    text = RICH.replace("images/window.png", "<images/Schéma final.png>").replace(
        '![zqxpremiumalt diagram](images/premium.png "zqxpremiumcaption")\n', ""
    )
    (tmp_path / "rich.md").write_text(text)
    (guide,) = guides_import(guide_files([tmp_path]))
    image = GuideImage.objects.get(guide=guide)
    assert image.name == "schema-final.png"
    _, content = guide_zip(guide=guide)
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        assert "images/schema-final.png" in archive.namelist()
        assert "](images/schema-final.png" in archive.read(f"{guide.slug}.md").decode()


def test_an_image_over_40_megapixels_is_refused_with_that_reason() -> None:
    from articles.images import ImageError, prepare_image

    out = io.BytesIO()
    Image.new("1", (8000, 6000)).save(out, "PNG")
    with pytest.raises(ImageError, match="more than 40 megapixels"):
        prepare_image("big.png", out.getvalue())


@pytest.mark.django_db
def test_the_uploaded_original_is_for_staff_only(rich_guide: Guide, staff_client) -> None:
    free = GuideImage.objects.get(name="window.png")
    assert Client().get(free.url("original")).status_code == HTTPStatus.NOT_FOUND
    subscriber = signed_in(SubscriptionFactory().user)
    assert subscriber.get(free.url("original")).status_code == HTTPStatus.NOT_FOUND
    assert staff_client.get(free.url("original")).content == png(1600, 800)
    # Only the address the page gives works: a shorter digest finds nothing.
    assert Client().get(f"/images/{free.pk}/{free.digest[:4]}/1x.webp").status_code == 404


def test_a_block_form_refuses_text_that_would_not_come_back_as_typed() -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="read back as 'Sharp'"):
        Block(kind="subheading", text="Sharp #").clean()


@pytest.mark.parametrize(
    ("body", "line", "message"),
    [
        ("See [the docs][d].\n\n[d]: https://example.com", 12, "reference-style links"),
        ("- an item ![alt](images/x.png)", 10, "not in a list"),
        ("> [!NOTE]\n> look ![alt](images/x.png)", 10, "not in a callout"),
        ("| a | b | c |\n| --- | --- | --- |\n| ![x](y.png) | 2 | 3 |", 10, "not in a table"),
    ],
)
def test_what_would_be_lost_is_an_error(body: str, line: int, message: str) -> None:
    with pytest.raises(GuideFormatError) as info:
        parse_guide(
            f"---\ntitle: x\nslug: x\ntrack: coding\ndek: x\n---\n\n## S\n\n{body}\n", "x.md"
        )
    assert str(info.value).startswith(f"x.md:{line}: ")
    assert message in str(info.value)


@pytest.mark.django_db
def test_an_image_whose_file_is_gone_is_missing_not_an_error_and_a_reimport_restores_it(
    rich_folder: Path,
) -> None:
    from django.core.files.storage import default_storage

    guides_import(guide_files([rich_folder]))
    image = GuideImage.objects.get(name="window.png")
    default_storage.delete(image.webp.name)
    assert Client().get(image.url("1x.webp")).status_code == HTTPStatus.NOT_FOUND
    guides_import(guide_files([rich_folder]), force=True)
    response = Client().get(GuideImage.objects.get(name="window.png").url("1x.webp"))
    assert response.status_code == HTTPStatus.OK
