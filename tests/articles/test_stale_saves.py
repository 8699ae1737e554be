"""An editor's typo never publishes, and no save undoes another: the Markdown editor refuses an
unknown track (naming the line and the tracks) and never creates or renames one; a restore never
brings a track back; the admin's guide and section forms refuse a save when the guide was saved
since they were opened."""

from __future__ import annotations

from http import HTTPStatus

import pytest
from django.test import Client

from articles.models import Guide, GuideRevision, Section, Track
from articles.services import guides_import

from ..helpers import VALID

pytestmark = pytest.mark.django_db

TRACKS = "coding, system-design, behavioral, mock-interviews, ml-ai-engineering"


@pytest.fixture
def guide(db) -> Guide:
    (imported,) = guides_import([("heaps.md", VALID)])
    return imported


def editor_url(guide: Guide) -> str:
    return f"/admin/articles/guide/{guide.pk}/markdown/"


def opened(client: Client, guide: Guide) -> tuple[str, str]:
    page = client.get(editor_url(guide))
    assert page.status_code == HTTPStatus.OK
    return page.context["text"], str(page.context["base"])


def line_of(text: str, start: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), start=1) if line.startswith(start))


def test_a_typo_in_the_track_is_an_error_naming_the_line_and_creates_nothing(
    guide: Guide, editor_client: Client
) -> None:
    text, base = opened(editor_client, guide)
    assert "track_title" not in text  # the editor's text names the track by its slug only
    typo = text.replace("track: coding", "track: behavioural")
    response = editor_client.post(editor_url(guide), {"markdown": typo, "base": base})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.context["errors"] == [
        f"line {line_of(typo, 'track:')}: unknown track 'behavioural' (the tracks are: {TRACKS}); "
        "a new track is added in the admin (Tracks) first"
    ]
    assert not Track.objects.filter(slug="behavioural").exists()
    assert Guide.objects.get(pk=guide.pk).track.slug == "coding"
    # The preview says so too, and keeps nothing.
    preview = editor_client.post(
        editor_url(guide), {"markdown": typo, "base": base, "preview": "1"}
    )
    assert Track.objects.count() == 5
    assert preview.status_code in (HTTPStatus.OK, HTTPStatus.BAD_REQUEST)


def test_the_editor_never_creates_or_renames_a_track(guide: Guide, editor_client: Client) -> None:
    text, base = opened(editor_client, guide)
    asked = text.replace("track: coding", 'track: coding\ntrack_title: "Coding Rounds"')
    response = editor_client.post(editor_url(guide), {"markdown": asked, "base": base})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.context["errors"][0].startswith(
        f"line {line_of(asked, 'track_title:')}: 'track_title' would create or rename a track"
    )
    assert Track.objects.get(slug="coding").title == "Coding Interviews"


def test_a_markdown_save_opened_before_a_track_rename_keeps_the_new_name(
    guide: Guide, editor_client: Client, staff_client: Client
) -> None:
    text, base = opened(editor_client, guide)
    coding = Track.objects.get(slug="coding")
    renamed = staff_client.post(
        f"/admin/articles/track/{coding.pk}/change/",
        {
            "title": "Coding Rounds",
            "slug": "coding",
            "description": coding.description,
            "position": coding.position,
        },
    )
    assert renamed.status_code == HTTPStatus.FOUND
    edited = text.replace("First intro paragraph with", "First intro paragraph, edited, with")
    saved = editor_client.post(editor_url(guide), {"markdown": edited, "base": base})
    assert saved.status_code == HTTPStatus.FOUND
    assert Track.objects.get(slug="coding").title == "Coding Rounds"
    assert "First intro paragraph, edited, with" in Guide.objects.get(pk=guide.pk).intro


def test_restoring_a_revision_never_brings_back_or_makes_a_track(
    guide: Guide, editor_client: Client
) -> None:
    # A revision saved before the editor's rule: it names a track title, now out of date.
    old = guide.revisions.get()
    GuideRevision.objects.filter(pk=old.pk).update(
        markdown=old.markdown.replace("track: coding", 'track: coding\ntrack_title: "Old Name"')
    )
    url = f"/admin/articles/guide/{guide.pk}/revisions/{old.number}/restore/"
    assert editor_client.post(url).status_code == HTTPStatus.FOUND
    assert Track.objects.get(slug="coding").title == "Coding Interviews"
    # A revision in a track that no longer exists is refused, and makes no track.
    gone = Track.objects.create(slug="gone-track", title="Gone", position=9)
    GuideRevision.objects.filter(pk=old.pk).update(
        markdown=old.markdown.replace("track: coding", "track: gone-track")
    )
    gone.delete()
    response = editor_client.post(url, follow=True)
    shown = [str(message) for message in response.context["messages"]]
    assert any(
        "cannot be restored" in message and "unknown track 'gone-track'" in message
        for message in shown
    ), shown
    assert not Track.objects.filter(slug="gone-track").exists()
    assert Guide.objects.get(pk=guide.pk).track.slug == "coding"


def _guide_form(guide: Guide, page) -> dict[str, str]:
    """The guide's change form as the browser would post it back."""
    form = page.context["adminform"].form
    data = {name: form[name].value() for name in form.fields}
    data = {k: ("" if v is None else v) for k, v in data.items()}
    data["published_at_0"], data["published_at_1"] = (
        guide.published_at.strftime("%Y-%m-%d"),
        guide.published_at.strftime("%H:%M:%S"),
    )
    data.pop("published_at", None)
    for formset in page.context["inline_admin_formsets"]:
        management = formset.formset.management_form
        for name in management.fields:
            data[f"{management.prefix}-{name}"] = management[name].value()
        for inline in formset.formset.forms:
            for name in inline.fields:
                value = inline[name].value()
                data[f"{inline.prefix}-{name}"] = "" if value is None else value
    return data


def test_the_guide_form_refuses_a_save_when_the_guide_was_saved_since_it_was_opened(
    guide: Guide, editor_client: Client
) -> None:
    url = f"/admin/articles/guide/{guide.pk}/change/"
    page = editor_client.get(url)
    data = _guide_form(guide, page)
    # Meanwhile, another editor saves in the Markdown editor.
    text, base = opened(editor_client, guide)
    editor_client.post(
        editor_url(guide),
        {
            "markdown": text.replace("First intro paragraph with *emphasis*.", "Theirs."),
            "base": base,
        },
    )
    data["dek"] = "Mine."
    response = editor_client.post(url, data)
    assert response.status_code == HTTPStatus.OK  # the form again, with the reason
    assert "was saved since you opened this page" in response.content.decode()
    stored = Guide.objects.get(pk=guide.pk)
    assert stored.intro.startswith("Theirs.")
    assert stored.dek != "Mine."
    # Opened afresh, the same change saves.
    data = _guide_form(stored, editor_client.get(url))
    data["dek"] = "Mine."
    assert editor_client.post(url, data).status_code == HTTPStatus.FOUND
    assert Guide.objects.get(pk=guide.pk).dek == "Mine."


def test_the_section_form_refuses_a_stale_save(guide: Guide, editor_client: Client) -> None:
    section = Section.objects.filter(guide=guide).order_by("position").first()
    url = f"/admin/articles/section/{section.pk}/change/"
    page = editor_client.get(url)
    form = page.context["adminform"].form
    data = {name: form[name].value() for name in form.fields}
    for formset in page.context["inline_admin_formsets"]:
        management = formset.formset.management_form
        for name in management.fields:
            data[f"{management.prefix}-{name}"] = management[name].value()
        for inline in formset.formset.forms:
            for name in inline.fields:
                value = inline[name].value()
                data[f"{inline.prefix}-{name}"] = "" if value is None else value
    data = {k: ("" if v is None else v) for k, v in data.items()}
    data.pop("guide", None)
    text, base = opened(editor_client, guide)
    editor_client.post(
        editor_url(guide),
        {
            "markdown": text.replace("First intro paragraph with *emphasis*.", "Theirs."),
            "base": base,
        },
    )
    data["heading"] = "Mine"
    response = editor_client.post(url, data)
    assert response.status_code == HTTPStatus.OK
    assert "was saved since you opened this page" in response.content.decode()
    assert Section.objects.get(pk=section.pk).heading != "Mine"
