"""The Markdown authoring format: import, export, round trip and clear errors."""

from __future__ import annotations

from dataclasses import replace

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles.markdown import GuideFormatError, parse_guide
from articles.models import Block, Guide, Item, Section, Track
from articles.services import (
    GuideImportError,
    guide_data,
    guide_export,
    guide_files,
    guides_import,
)
from pages.cache import content_version

from ..conftest import CONTENT, SEED_SLUG
from ..helpers import VALID


def test_parse_reads_every_block_kind() -> None:
    guide = parse_guide(VALID, "heaps.md")
    assert guide.title == "Heaps for interviews"
    assert guide.intro == "First intro paragraph with *emphasis*.\n\nSecond intro paragraph."
    assert [s.anchor for s in guide.sections] == ["why-heaps", "scripts"]
    kinds = [b.kind for b in guide.sections[0].blocks]
    assert kinds == ["paragraph", "quote", "checklist"]
    quote = guide.sections[0].blocks[1]
    assert quote.text == "A quote that spans two lines."
    assert quote.attribution == "A coach"
    assert guide.sections[0].blocks[2].text == "First item\nSecond item"
    assert guide.sections[1].blocks[0].text == (
        "Moment | What to say\nStart | I'll restate the goal.\nEnd | I'll test the edges."
    )


@pytest.mark.django_db
def test_export_round_trips_to_an_equal_guide() -> None:
    (guide,) = guides_import([("heaps.md", VALID)])
    before = guide_data(guide)
    exported = guide_export(guide=guide)
    Guide.objects.all().delete()
    (again,) = guides_import([("exported.md", exported)])
    assert guide_data(again) == before
    assert guide_export(guide=again) == exported


@pytest.mark.django_db
def test_every_content_file_round_trips() -> None:
    guides = guides_import(guide_files([CONTENT]))
    assert len(guides) >= 5
    for guide in guides:
        text = guide_export(guide=guide)
        reparsed = parse_guide(text, "export")
        original = guide_data(guide)
        assert reparsed == original, guide.slug


@pytest.mark.django_db
def test_reimport_is_an_idempotent_upsert_that_keeps_ids() -> None:
    guides_import([("heaps.md", VALID)])
    section_ids = set(Section.objects.values_list("id", flat=True))
    block_ids = set(Block.objects.values_list("id", flat=True))
    edited = VALID.replace("Second intro paragraph.", "A new second paragraph.")
    guides_import([("heaps.md", edited)])
    assert Guide.objects.count() == 1
    assert set(Section.objects.values_list("id", flat=True)) == section_ids
    assert set(Block.objects.values_list("id", flat=True)) == block_ids
    assert "A new second paragraph." in Guide.objects.get().intro


@pytest.mark.django_db
def test_reimport_removes_sections_and_blocks_dropped_from_the_file() -> None:
    guides_import([("heaps.md", VALID)])
    shorter = VALID.split("## Scripts")[0].replace("- [ ] Second item\n", "")
    guides_import([("heaps.md", shorter)])
    guide = Guide.objects.get()
    assert [s.heading for s in guide.sections.all()] == ["Why heaps"]
    assert guide.sections.get().blocks.get(kind="checklist").text == "First item"


@pytest.mark.django_db
def test_import_command_imports_folder_and_reports(capsys) -> None:
    call_command("import_guides", str(CONTENT))
    out = capsys.readouterr().out
    assert f"{SEED_SLUG}:" in out
    assert Guide.objects.filter(slug=SEED_SLUG).exists()
    call_command("import_guides", str(CONTENT))  # twice: still one of each
    assert Guide.objects.filter(slug=SEED_SLUG).count() == 1


@pytest.mark.django_db
def test_export_command_prints_markdown_that_imports_back(capsys, seed_guide) -> None:
    call_command("export_guide", SEED_SLUG)
    text = capsys.readouterr().out
    assert text.startswith("---\ntitle: ")
    assert parse_guide(text) == guide_data(seed_guide)


@pytest.mark.django_db
def test_export_command_unknown_slug_is_a_clear_error() -> None:
    with pytest.raises(CommandError, match="No guide with slug 'nope'"):
        call_command("export_guide", "nope")


MALFORMED = [
    ("no front matter", "# Title\n\nText", 1, "must start with '---'"),
    ("unclosed front matter", "---\ntitle: x\n", 1, "no closing '---'"),
    ("bad yaml", '---\ntitle: "x\nslug: y\n---\n', None, "not valid YAML"),
    ("missing title", VALID.replace('title: "Heaps for interviews"\n', ""), None, "'title'"),
    ("unknown key", VALID.replace("access: premium", "acess: premium"), None, "acess"),
    ("bad access", VALID.replace("access: premium", "access: vip"), None, "'access'"),
    ("bad slug", VALID.replace("slug: heaps-for-interviews", "slug: Heaps For"), None, "'slug'"),
    ("bad date", VALID.replace("2026-10-01T09:00:00Z", "next tuesday"), None, "published_at"),
    ("h4 heading", VALID.replace("## Scripts {#scripts}", "#### Scripts"), 26, "'### '"),
    ("mixed list", VALID.replace("- [ ] First item", "- First item"), 23, "a list mixes"),
    (
        "three columns",
        VALID.replace("| Start | I'll restate the goal. |", "| Start | I'll | restate |"),
        30,
        "two non-empty cells",
    ),
    ("no separator row", VALID.replace("| --- | --- |", "| Start | x |"), 29, "second row"),
    ("no sections", VALID.split("## Why heaps")[0], None, "at least one '## ' section"),
    (
        "table glued to paragraph",
        VALID.replace(
            "A paragraph with `code` and a [link](https://example.com).\n",
            "A paragraph with `code` and a [link](https://example.com).\n| glued | row |\n",
        ),
        18,
        "separated",
    ),
    (
        "duplicate anchor",
        VALID.replace("## Scripts {#scripts}", "## Scripts {#why-heaps}"),
        26,
        "used twice",
    ),
]


@pytest.mark.parametrize(
    ("name", "text", "line", "message"), MALFORMED, ids=[m[0] for m in MALFORMED]
)
def test_malformed_markdown_gives_an_error_naming_file_and_line(name, text, line, message) -> None:
    with pytest.raises(GuideFormatError) as info:
        parse_guide(text, "guides/bad.md")
    error = str(info.value)
    assert error.startswith("guides/bad.md")
    assert message in error
    if line is not None:
        assert error.startswith(f"guides/bad.md:{line}:")


@pytest.mark.django_db
def test_one_bad_file_imports_nothing(tmp_path) -> None:
    (tmp_path / "a-good.md").write_text(VALID)
    (tmp_path / "b-bad.md").write_text(
        VALID.replace("slug: heaps-for-interviews", "slug: other").replace(
            "- [ ] First item", "- First item"
        )
    )
    with pytest.raises(CommandError) as info:
        call_command("import_guides", str(tmp_path))
    assert "Nothing was imported" in str(info.value)
    assert "b-bad.md:23" in str(info.value)
    assert not Guide.objects.exists()
    assert not Section.objects.exists()


@pytest.mark.django_db
def test_unknown_track_is_an_error_unless_track_title_creates_it() -> None:
    unknown = VALID.replace("track: coding", "track: data-engineering")
    with pytest.raises(GuideImportError, match="unknown track 'data-engineering'"):
        guides_import([("x.md", unknown)])
    assert not Track.objects.filter(slug="data-engineering").exists()
    with_title = unknown.replace(
        "track: data-engineering", 'track: data-engineering\ntrack_title: "Data Engineering"'
    )
    (guide,) = guides_import([("x.md", with_title)])
    assert guide.track.title == "Data Engineering"


@pytest.mark.django_db
def test_two_files_with_one_slug_is_an_error() -> None:
    with pytest.raises(GuideImportError, match=r"also used by a\.md"):
        guides_import([("a.md", VALID), ("b.md", VALID)])
    assert not Guide.objects.exists()


@pytest.mark.django_db
def test_word_count_and_read_time_are_computed_from_the_text() -> None:
    (guide,) = guides_import([("heaps.md", VALID)])
    # intro 8 words, headings 2+1, paragraph 8 (link text counted), quote 6 + attribution 2,
    # checklist 4, table 2+1+1+4+1+4 (I'll counts as one word)
    assert guide.word_count == 8 + 3 + 8 + 8 + 4 + 13
    assert guide.read_minutes == 1


@pytest.mark.django_db
def test_content_edited_in_the_admin_survives_export_and_import() -> None:
    import datetime as dt

    from articles.models import Block, Track
    from articles.services import block_save, guide_save, section_save

    track = Track.objects.create(slug="data-eng", title="Data Engineering Interviews")
    (guide,) = guides_import([("heaps.md", VALID)])
    guide.track = track
    guide.intro = "First line.\r\n\r\nSecond paragraph typed in a browser."
    guide.published_at = dt.datetime(2026, 10, 1, 9, 0, 0, 123456, tzinfo=dt.UTC)
    guide_save(guide=guide)
    section = guide.sections.first()
    section.anchor = "Why_Heaps"
    section_save(section=section)
    quote = Block.objects.get(section=section, kind="quote")
    quote.text = "Line one\r\nline two"  # as a browser submits a textarea
    block_save(block=quote)
    for position, text in enumerate(
        [
            "# not a heading",
            "1. not a list",
            "> not a quote",
            "- [ ] not a checklist",
            "| not a table",
        ],
        start=10,
    ):
        block_save(block=Block(section=section, position=position, kind="paragraph", text=text))
    guide.refresh_from_db()
    before = guide_data(guide)
    exported = guide_export(guide=guide)
    Guide.objects.all().delete()
    Track.objects.filter(slug="data-eng").delete()
    (again,) = guides_import([("exported.md", exported)])
    after = guide_data(again)
    assert after == before
    assert after.intro == "First line.\n\nSecond paragraph typed in a browser."
    assert again.track.title == "Data Engineering Interviews"


@pytest.mark.django_db
def test_an_older_copy_saved_by_a_form_never_rolls_the_version_back() -> None:
    from articles.services import guide_refresh, guide_save

    (guide,) = guides_import([("heaps.md", VALID)])
    stale = Guide.objects.get(pk=guide.pk)
    fresh = guide_refresh(guide=guide)
    stale.title = "Edited in an old form"
    guide_save(guide=stale)
    assert Guide.objects.get(pk=guide.pk).version == fresh.version


WRITES = ("INSERT", "UPDATE", "DELETE")


def writes(queries: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if q["sql"].lstrip().startswith(WRITES)]


def stamps() -> dict[str, tuple]:
    """What an import that changes nothing must leave as it was, for every guide."""
    return {
        slug: (updated_at, version)
        for slug, updated_at, version in Guide.objects.values_list("slug", "updated_at", "version")
    }


@pytest.mark.django_db
def test_reimporting_unchanged_guides_writes_nothing(
    capsys, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        call_command("import_guides", str(CONTENT))
    before, version = stamps(), content_version()
    ids = sorted(Item.objects.values_list("id", flat=True))
    with (
        django_capture_on_commit_callbacks(execute=True),
        CaptureQueriesContext(connection) as queries,
    ):
        call_command("import_guides", str(CONTENT))  # what every `make run` does
    assert writes(queries) == []
    assert stamps() == before  # no guide reads "Updated today", no sitemap lastmod moves
    assert content_version() == version  # so no cached page is thrown away
    assert sorted(Item.objects.values_list("id", flat=True)) == ids
    assert f"Imported {len(before)} guide(s)." in capsys.readouterr().out


EDITS = {
    "front matter": ('dek: "When a heap is the answer."', 'dek: "When a heap is the tool."'),
    "intro": ("Second intro paragraph.", "A new second intro paragraph."),
    "heading": ("## Why heaps", "## Why heaps win {#why-heaps}"),
    "paragraph": ("A paragraph with", "A longer paragraph with"),
    "attribution": ("\u2014 A coach", "\u2014 Two coaches"),
    "checklist item": ("- [ ] Second item", "- [ ] Second item, retyped"),
    "phrase row": ("| End | I'll test the edges. |", "| End | I'll test every edge. |"),
    "new block": ("## Scripts {#scripts}\n", "## Scripts {#scripts}\n\nA new paragraph.\n"),
}


@pytest.mark.django_db
@pytest.mark.parametrize(("old", "new"), EDITS.values(), ids=EDITS.keys())
def test_reimporting_a_changed_guide_updates_it_and_keeps_its_ids(
    old: str, new: str, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        (guide,) = guides_import([("heaps.md", VALID)])
    version = content_version()
    items = list(Item.objects.order_by("pk").values_list("pk", flat=True))
    blocks = set(Block.objects.values_list("pk", flat=True))
    with django_capture_on_commit_callbacks(execute=True):
        (again,) = guides_import([("heaps.md", VALID.replace(old, new))])
    assert again.updated_at > guide.updated_at
    assert again.version == guide.version + 1
    assert content_version() != version
    edited = parse_guide(VALID.replace(old, new))
    assert guide_data(again) == replace(edited, track_title=again.track.title)
    assert list(Item.objects.order_by("pk").values_list("pk", flat=True)) == items
    assert blocks <= set(Block.objects.values_list("pk", flat=True))


@pytest.mark.django_db
def test_a_reimport_that_only_renames_the_track_shows_on_the_guide_page(
    client, django_capture_on_commit_callbacks
) -> None:
    named = VALID.replace("track: coding", 'track: coding\ntrack_title: "Coding Rounds"')
    with django_capture_on_commit_callbacks(execute=True):
        (guide,) = guides_import([("heaps.md", named)])
    assert "Coding Rounds" in client.get(guide.get_absolute_url()).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        guides_import([("heaps.md", named.replace("Coding Rounds", "Coding Loops"))])
    page = client.get(guide.get_absolute_url()).content.decode()
    assert "Coding Loops" in page
    assert "Coding Rounds" not in page


@pytest.mark.django_db
def test_raw_html_is_an_error_naming_each_line_in_an_import(tmp_path) -> None:
    text = VALID.replace("Second intro paragraph.", "Second <b>intro</b> paragraph.").replace(
        "## Scripts", "<div>\nA box\n</div>\n\n## Scripts"
    )
    lines = text.split("\n")
    inline, block = lines.index("Second <b>intro</b> paragraph.") + 1, lines.index("<div>") + 1
    (tmp_path / "html.md").write_text(text)
    with pytest.raises(CommandError) as info:
        call_command("import_guides", str(tmp_path))
    assert f"html.md:{inline}: raw HTML is not supported" in str(info.value)
    assert f"html.md:{block}: raw HTML is not supported" in str(info.value)
    assert not Guide.objects.exists()


def test_html_written_as_code_is_code_not_an_error() -> None:
    text = VALID.replace("Second intro paragraph.", "Write `<div>` for a box.")
    assert parse_guide(text, "guides/ok.md").intro.endswith("Write `<div>` for a box.")


@pytest.mark.django_db
def test_an_import_lists_every_front_matter_error_each_at_its_line(tmp_path) -> None:
    text = (
        VALID.replace('title: "Heaps for interviews"\n', "")
        .replace("track: coding", "track: codng\ncolour: blue")
        .replace("access: premium", "access: vip")
        .replace("published_at: 2026-10-01T09:00:00Z", "published_at: next tuesday")
        .replace("status: published", "status: published\npatterns: [heapz]")
    )
    lines = text.split("\n")

    def line(start: str) -> int:
        return next(n for n, line in enumerate(lines, start=1) if line.startswith(start))

    (tmp_path / "bad.md").write_text(text)
    with pytest.raises(CommandError) as info:
        call_command("import_guides", str(tmp_path))
    message = str(info.value)
    for expected in (
        "bad.md:1: front matter 'title': is required",
        f"bad.md:{line('track:')}: unknown track 'codng'",
        f"bad.md:{line('colour:')}: unknown front matter key: colour",
        f"bad.md:{line('access:')}: front matter 'access': 'vip' must be 'free' or 'premium'",
        f"bad.md:{line('patterns:')}: unknown pattern(s) 'heapz'",
        f"bad.md:{line('published_at:')}: front matter 'published_at': 'next tuesday' is not",
    ):
        assert expected in message
    assert not Guide.objects.exists()


def test_front_matter_and_body_errors_are_listed_together_in_line_order() -> None:
    text = VALID.replace("access: premium", "access: vip\naxes: communication").replace(
        "Second intro paragraph.", "#### Too deep"
    )
    with pytest.raises(GuideFormatError) as info:
        parse_guide(text, "g.md")
    assert [(error.line, error.message.split(":")[0]) for error in info.value.all()] == [
        (6, "front matter 'access'"),
        (7, "front matter 'axes'"),
        (
            text.split("\n").index("#### Too deep") + 1,
            "only '## ' section headings and '### ' subheadings are supported",
        ),
    ]


def test_yaml_that_does_not_parse_stays_one_error_with_its_line() -> None:
    text = VALID.replace('title: "Heaps for interviews"', 'title: "Heaps for interviews').replace(
        "access: premium", "access: vip"
    )
    with pytest.raises(GuideFormatError) as info:
        parse_guide(text, "g.md")
    assert "front matter is not valid YAML" in str(info.value)
    assert info.value.line is not None
    assert info.value.others == []
