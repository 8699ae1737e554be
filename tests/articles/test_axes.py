"""A guide names the mock rubric's axes it trains in its front matter (`axes: [communication]`):
checked against the axes the mocks app registers, stored, and exported as imported, in an import
and in the Markdown editor alike."""

from __future__ import annotations

from http import HTTPStatus

import pytest
from django.test import Client

from articles.axes import known_axes
from articles.models import Guide
from articles.services import GuideImportError, guide_export, guide_files, guides_import
from mocks.rubric import AXES

from ..conftest import CONTENT
from .test_patterns import GUIDE

pytestmark = pytest.mark.django_db


def imported(**replace: str) -> Guide:
    text = GUIDE.format(status="published")
    for old, new in replace.items():
        text = text.replace(old, new)
    (guide,) = guides_import([("heaps.md", text)])
    return guide


NAMED = {
    "patterns: [heaps, binary-search]\n": "patterns: [heaps]\naxes: [communication, framing]\n"
}


def test_every_rubric_axis_may_be_named() -> None:
    assert set(known_axes()) == {axis.key for axes in AXES.values() for axis in axes}
    assert known_axes()["trade-offs"] == "Trade-offs and scaling"


def test_a_guide_names_its_axes_and_exports_them_as_it_imported_them() -> None:
    guide = imported(**NAMED)
    assert guide.axes == ["communication", "framing"]
    exported = guide_export(guide=guide)
    assert "\npatterns: [heaps]\naxes: [communication, framing]\n" in exported
    (again,) = guides_import([("heaps.md", exported)])
    assert again.axes == ["communication", "framing"]
    # Naming none takes them away; a guide without any writes no `axes` line.
    plain = imported()
    assert plain.axes == []
    assert "axes:" not in guide_export(guide=plain)


@pytest.mark.parametrize(
    ("written", "message"),
    [
        ("axes: [comunication]", "heaps.md:6: unknown axis/axes 'comunication' (the rubric"),
        ("axes: communication", "front matter 'axes': must be a list of axes like"),
        ("axes: [Communication]", "'Communication' is not a rubric axis's slug"),
        ("axes: [framing, framing]", "names a rubric axis twice"),
    ],
)
def test_a_wrong_axes_line_says_what_is_wrong_and_imports_nothing(
    written: str, message: str
) -> None:
    with pytest.raises(GuideImportError) as refused:
        imported(**{"patterns: [heaps, binary-search]\n": f"patterns: [heaps]\n{written}\n"})
    assert message in refused.value.errors[0]
    assert not Guide.objects.exists()


def test_the_markdown_editor_checks_the_axes_too(editor_client: Client) -> None:
    guide = imported(**NAMED)
    url = f"/admin/articles/guide/{guide.pk}/markdown/"
    page = editor_client.get(url)
    text, base = page.context["text"], str(page.context["base"])
    assert "axes: [communication, framing]" in text
    typo = text.replace("axes: [communication, framing]", "axes: [framming]")
    response = editor_client.post(url, {"markdown": typo, "base": base})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.context["errors"][0].startswith("line 6: unknown axis/axes 'framming'")
    fixed = text.replace("axes: [communication, framing]", "axes: [deep-dive]")
    assert editor_client.post(url, {"markdown": fixed, "base": base}).status_code == 302
    assert Guide.objects.get(pk=guide.pk).axes == ["deep-dive"]


def test_the_demo_guides_name_their_axes() -> None:
    guides = {g.slug: g for g in guides_import(guide_files([CONTENT]))}
    assert guides["running-a-mock-interview-that-hurts"].axes == ["communication", "framing"]
    assert "trade-offs" in guides["designing-a-rate-limiter"].axes
