"""Coding patterns (issue 22, part): reference data an editor may add to, named by a guide's
front matter, each with a page of the published guides that teach it."""

from __future__ import annotations

from http import HTTPStatus
from pathlib import Path

import pytest
from django.test import Client

from articles.models import Guide, Pattern
from articles.reference_data import PATTERNS
from articles.services import GuideImportError, guide_export, guide_files, guides_import
from pages.cache import content_version

from ..conftest import signed_in

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent.parent
GUIDE = """---
title: "Heaps for the K-th Anything"
slug: heaps-k-th
track: coding
patterns: [heaps, binary-search]
dek: "Keep the best k, not everything"
status: {status}
published_at: 2026-10-01T09:00:00Z
---
The intro.

## Keep k

A heap of size k answers "the k-th largest" in one pass.
"""


def imported(status: str = "published", **replace: str) -> Guide:
    text = GUIDE.format(status=status)
    for old, new in replace.items():
        text = text.replace(old, new)
    (guide,) = guides_import([("heaps.md", text)])
    return guide


def test_the_twelve_patterns_are_there_with_their_names() -> None:
    assert list(Pattern.objects.values_list("slug", "name")) == PATTERNS
    assert Pattern.objects.get(slug="sliding-window").name == "Sliding Window"


def test_a_guide_names_its_patterns_and_exports_them_as_it_imported_them(
    django_capture_on_commit_callbacks,
) -> None:
    guide = imported()
    assert sorted(guide.patterns.values_list("slug", flat=True)) == ["binary-search", "heaps"]
    exported = guide_export(guide=guide)
    # In the patterns' own order (binary search comes before heaps).
    assert "\npatterns: [binary-search, heaps]\n" in exported
    # The same file again writes nothing: no page of the site is retired.
    before = content_version()
    with django_capture_on_commit_callbacks(execute=True):
        guides_import([("heaps.md", exported)])
    assert content_version() == before
    # Naming fewer patterns takes the others away.
    imported(**{"patterns: [heaps, binary-search]": "patterns: [heaps]"})
    assert list(guide.patterns.values_list("slug", flat=True)) == ["heaps"]


def test_an_unknown_pattern_is_an_error_naming_the_line_and_nothing_is_imported() -> None:
    with pytest.raises(GuideImportError) as refused:
        imported(**{"binary-search": "binary-serach"})
    [message] = refused.value.errors
    assert message.startswith("heaps.md:5: unknown pattern(s) 'binary-serach' (the patterns are: ")
    assert not Guide.objects.filter(slug="heaps-k-th").exists()


@pytest.mark.parametrize(
    ("written", "message"),
    [
        ("patterns: two-pointers", "must be a list of slugs"),
        ("patterns: [Two Pointers]", "'Two Pointers' is not a pattern's slug"),
        ("patterns: [heaps, heaps]", "names a pattern twice"),
    ],
)
def test_a_malformed_patterns_line_says_what_is_wrong(written: str, message: str) -> None:
    with pytest.raises(GuideImportError) as refused:
        imported(**{"patterns: [heaps, binary-search]": written})
    assert f"heaps.md:5: front matter 'patterns': {message}" in refused.value.errors[0]


def test_a_patterns_page_lists_the_published_guides_that_teach_it(
    client: Client, django_capture_on_commit_callbacks
) -> None:
    (demo,) = guides_import(
        guide_files([ROOT / "content/guides/two-pointers-and-sliding-windows.md"])
    )
    page = client.get("/patterns/two-pointers/")
    assert page.status_code == HTTPStatus.OK
    assert "<h1>Two Pointers</h1>" in page.content.decode()
    assert demo.title in page.content.decode()
    # The guide's page names its patterns, each a link to its page.
    guide_page = client.get(demo.get_absolute_url()).content.decode()
    assert (
        'Patterns: <a href="/patterns/two-pointers/">Two Pointers</a>, '
        '<a href="/patterns/sliding-window/">Sliding Window</a>'
    ) in guide_page
    draft = imported(status="draft", **{"heaps, binary-search": "heaps, two-pointers"})
    assert draft.title not in client.get("/patterns/two-pointers/").content.decode()
    assert "No guides teach this pattern yet." in client.get("/patterns/graphs/").content.decode()
    assert client.get("/patterns/no-such-pattern/").status_code == HTTPStatus.NOT_FOUND
    # An editor renames the pattern in the admin: the page says so at once.
    pattern = Pattern.objects.get(slug="two-pointers")
    pattern.name = "Two Pointers (both ends)"
    with django_capture_on_commit_callbacks(execute=True):
        pattern.save()
    renamed = client.get("/patterns/two-pointers/").content.decode()
    assert "<h1>Two Pointers (both ends)</h1>" in renamed


def test_the_markdown_editor_refuses_an_unknown_pattern_naming_the_line(editor) -> None:
    guide = imported()
    client = signed_in(editor)
    text = client.get(f"/admin/articles/guide/{guide.pk}/markdown/").context["text"]
    typo = text.replace("patterns: [binary-search, heaps]", "patterns: [heap]")
    line = next(n for n, row in enumerate(typo.splitlines(), 1) if row.startswith("patterns:"))
    response = client.post(
        f"/admin/articles/guide/{guide.pk}/markdown/", {"markdown": typo, "base": "1"}
    )
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.context["errors"][0].startswith(f"line {line}: unknown pattern(s) 'heap'")
    assert sorted(guide.patterns.values_list("slug", flat=True)) == ["binary-search", "heaps"]


def test_an_editor_may_add_a_pattern_in_the_admin(editor) -> None:
    client = signed_in(editor)
    response = client.post(
        "/admin/articles/pattern/add/",
        {"name": "Union Find", "slug": "union-find", "description": "", "position": "12"},
    )
    assert response.status_code == HTTPStatus.FOUND
    assert Pattern.objects.get(slug="union-find").name == "Union Find"
