"""Block kinds (articles.blocks): every registered kind goes from Markdown to the page and back to
the same Markdown, and a new kind is one class and one template."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.test import Client, override_settings
from django.test.signals import template_rendered
from markdown_it.tree import SyntaxTreeNode

from articles.blocks import BlockData, BlockKind, Reader, registry
from articles.markdown import GuideFormatError, parse_guide
from articles.models import Block, Guide
from articles.services import (
    guide_export,
    guide_files,
    guide_markdown,
    guide_refresh,
    guides_import,
)

from ..helpers import png

FRONT_MATTER = """---
title: "Every kind"
slug: every-kind
track: coding
dek: "One block of a kind."
access: free
status: published
published_at: 2026-10-01T09:00:00Z
---
The intro.

## The block

"""


def guide_folder(tmp_path: Path, body: str) -> Path:
    (tmp_path / "images").mkdir(parents=True, exist_ok=True)
    (tmp_path / "images" / "example.png").write_bytes(png(400, 200))
    (tmp_path / "guide.md").write_text(f"{FRONT_MATTER}{body}\n", encoding="utf-8")
    return tmp_path


def rendered_templates(client: Client, url: str) -> tuple[str, list[str]]:
    """The page and the names of the templates rendered to make it."""
    names: list[str] = []

    def record(sender, template, context, **kwargs) -> None:
        names.append(template.name)

    template_rendered.connect(record)
    try:
        page = client.get(url).content.decode()
    finally:
        template_rendered.disconnect(record)
    return page, names


@pytest.mark.parametrize("name", [kind.name for kind in registry])
@pytest.mark.django_db
def test_every_registered_kind_round_trips_markdown_to_page_to_markdown(
    tmp_path: Path, client: Client, name: str
) -> None:
    kind = registry.get(name)
    (guide,) = guides_import(guide_files([guide_folder(tmp_path, kind.example)]))
    block = Block.objects.get(section__guide=guide)
    assert block.kind == name  # the example is read as a block of its own kind
    page, templates = rendered_templates(client, guide.get_absolute_url())
    assert kind.template_name in templates  # rendered by the kind's own template
    assert "The intro." in page
    exported = guide_markdown(guide=guide)  # the export, less the track's title
    assert kind.example in exported  # written back as the editor wrote it
    assert parse_guide(exported, "exported.md") == parse_guide(
        (tmp_path / "guide.md").read_text(), "guide.md"
    )


def test_every_node_is_read_by_at_most_one_kind() -> None:
    every = "\n\n".join(kind.example for kind in registry)
    guide = parse_guide(f"{FRONT_MATTER}{every}\n", "every.md")
    assert [b.kind for b in guide.sections[0].blocks] == [kind.name for kind in registry]


class Divider(BlockKind):
    """A kind a test adds: a thematic break, written `***`."""

    name = "divider"
    label = "Divider"
    example = "***"

    def reads(self, node: SyntaxTreeNode) -> bool:
        return node.type == "hr"

    def parse(self, node: SyntaxTreeNode, reader: Reader) -> BlockData:
        return BlockData(kind=self.name, text="***")

    def write(self, block: BlockData) -> str:
        return "***"

    def plain_text(self, block: Block) -> str:
        return ""  # no words


@pytest.fixture
def divider(tmp_path: Path, settings) -> Iterator[type[Divider]]:
    """The Divider kind registered, its template in a folder of templates of its own."""
    folder = tmp_path / "templates" / "articles" / "blocks"
    folder.mkdir(parents=True)
    (folder / "divider.html").write_text('<hr class="divider" data-block="{{ block.id }}">\n')
    templates = copy.deepcopy(settings.TEMPLATES)
    templates[0]["DIRS"] = [tmp_path / "templates", *templates[0]["DIRS"]]
    registry.register(Divider)
    try:
        with override_settings(TEMPLATES=templates):
            yield Divider
    finally:
        registry.unregister(Divider.name)


@pytest.mark.django_db
def test_a_new_kind_is_one_class_and_one_template(divider, tmp_path: Path, client: Client) -> None:
    body = "Before the break.\n\n***\n\nAfter the break."
    (guide,) = guides_import(guide_files([guide_folder(tmp_path / "guide", body)]))
    kinds = list(Block.objects.filter(section__guide=guide).values_list("kind", flat=True))
    assert kinds == ["paragraph", "divider", "paragraph"]
    divider_id = Block.objects.get(kind="divider").pk
    page = client.get(guide.get_absolute_url()).content.decode()
    assert f'<hr class="divider" data-block="{divider_id}">' in page
    assert "***" in guide_export(guide=guide)
    # The intro, the heading and the paragraphs: a divider has no words.
    assert Guide.objects.get(pk=guide.pk).word_count == 2 + 2 + 3 + 3
    assert ("divider", "Divider") in Block._meta.get_field("kind").choices


def test_without_its_kind_a_thematic_break_is_an_error() -> None:
    with pytest.raises(GuideFormatError, match=r"x\.md:16: a horizontal rule"):
        parse_guide(f"{FRONT_MATTER}Before.\n\n***\n", "x.md")


def test_a_front_matter_error_names_the_key_and_its_line() -> None:
    text = FRONT_MATTER.replace("access: free", "access: vip")
    with pytest.raises(GuideFormatError) as info:
        parse_guide(f"{text}Text.\n", "bad.md")
    assert str(info.value) == "bad.md:6: front matter 'access': 'vip' must be 'free' or 'premium'"
    listed = FRONT_MATTER.replace('dek: "One block of a kind."', "dek: [a, list]")
    with pytest.raises(GuideFormatError, match=r"bad\.md:5: front matter 'dek': must be text"):
        parse_guide(f"{listed}Text.\n", "bad.md")


def test_a_heading_names_its_anchor_in_braces_and_other_braces_are_text() -> None:
    body = "Text.\n\n## Heaps {#heaps-101}\n\nMore.\n\n## Sets {of things}\n\nEven more."
    guide = parse_guide(f"{FRONT_MATTER}{body}\n", "x.md")
    assert [(s.heading, s.anchor) for s in guide.sections[1:]] == [
        ("Heaps", "heaps-101"),
        ("Sets {of things}", "sets-of-things"),
    ]


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("| 1 | 2 | 3 | 4 |", "this row has 4 cells; the header has 3"),
        ("| 1 | 2 |", "this row has 2 cells; the header has 3"),
    ],
)
def test_a_table_row_with_cells_markdown_would_drop_or_add_is_an_error(
    row: str, message: str
) -> None:
    body = f"| a | b | c |\n| --- | --- | --- |\n{row}\n"
    with pytest.raises(GuideFormatError, match=rf"x\.md:16: {message}"):
        parse_guide(f"{FRONT_MATTER}{body}", "x.md")


@pytest.mark.django_db
def test_a_block_of_a_kind_no_longer_registered_is_served_and_edited_as_a_paragraph(
    divider, tmp_path: Path, client: Client
) -> None:
    body = "Before the break.\n\n***\n\nAfter the break."
    (guide,) = guides_import(guide_files([guide_folder(tmp_path / "guide", body)]))
    registry.unregister(Divider.name)  # the release that added the kind is rolled back
    try:
        page = client.get(guide.get_absolute_url())
        assert page.status_code == 200
        assert "<p>***</p>" in page.content.decode()
        guide_refresh(guide=Guide.objects.get(pk=guide.pk))  # an edit still saves
        assert "Before the break.\n\n***\n\nAfter the break." in guide_export(guide=guide)
    finally:
        registry.register(Divider)
