"""The admin's Markdown editor and revisions: the whole guide as one document, errors by line
before anything is saved, a preview that keeps nothing, saves that keep ticks, two editors who
cannot overwrite each other (nor can the admin's guide and section forms), revisions that can be
compared and restored, and an editor who can neither create nor rename a track."""

from __future__ import annotations

import io
import re
from http import HTTPStatus

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.test import Client
from PIL import Image

from articles.models import Block, Guide, GuideImage, GuideRevision, Item, Section, Track
from articles.reference_data import TRACKS as REFERENCE_TRACKS
from articles.services import guide_markdown, guide_save, guides_import, guides_publish
from pages.cache import content_version
from study.models import Tick

from ..conftest import signed_in
from ..factories import SubscriptionFactory
from ..helpers import VALID


@pytest.fixture
def guide(db) -> Guide:
    (imported,) = guides_import([("heaps.md", VALID)])
    return imported


def editor_url(guide: Guide) -> str:
    return f"/admin/articles/guide/{guide.pk}/markdown/"


def opened(client: Client, guide: Guide) -> tuple[str, str]:
    """What the editor shows: (the text, the revision it was opened at)."""
    page = client.get(editor_url(guide))
    assert page.status_code == HTTPStatus.OK
    return page.context["text"], str(page.context["base"])


def test_every_save_stores_a_revision_once(guide: Guide, editor_client: Client, editor) -> None:
    first = guide.revisions.get()
    assert (first.number, first.source, first.author) == (1, "import", None)
    assert first.markdown == guide_markdown(guide=guide)
    # An import that changes nothing stores nothing.
    guides_import([("heaps.md", VALID)])
    assert guide.revisions.count() == 1
    guides_publish([guide], author=editor)  # already published: the text is the same
    assert guide.revisions.count() == 1
    guide.dek = "A new dek."
    guide_save(guide=guide)
    guides_publish([guide], author=editor)
    latest = guide.revisions.order_by("-number").first()
    assert (latest.number, latest.source, latest.author, latest.note) == (
        2,
        "form",
        editor,
        "Published",
    )
    assert 'dek: "A new dek."' in latest.markdown


def test_the_editor_saves_the_whole_guide_and_keeps_ticks(
    guide: Guide, editor_client: Client, editor
) -> None:
    reader = SubscriptionFactory().user
    second = Item.objects.get(text="Second item")
    Tick.objects.create(user=reader, item=second, guide=guide)
    text, base = opened(editor_client, guide)
    assert text.startswith('---\ntitle: "Heaps for interviews"')
    edited = text.replace("First item", "First item, reworded").replace(
        "Second intro paragraph.", "Second intro paragraph.\n\n### Not allowed in the intro"
    )
    # An error is shown by line, and nothing is saved.
    response = editor_client.post(editor_url(guide), {"markdown": edited, "base": base})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    line = edited.splitlines().index("### Not allowed in the intro") + 1
    assert response.context["errors"] == [f"line {line}: the intro may only hold paragraphs"]
    assert "the intro may only hold paragraphs" in response.content.decode()
    assert response.context["text"] == edited  # the editor's text comes back as typed
    assert guide.revisions.count() == 1
    # Fixed, it saves as a new revision by this editor.
    fixed = edited.replace("\n\n### Not allowed in the intro", "")
    response = editor_client.post(editor_url(guide), {"markdown": fixed, "base": base})
    assert response.status_code == HTTPStatus.FOUND
    latest = guide.revisions.order_by("-number").first()
    assert (latest.number, latest.source, latest.author) == (2, "editor", editor)
    assert Item.objects.filter(text="First item, reworded").exists()
    # The reader's tick hangs on the same item, whose line did not change.
    assert Tick.objects.get(user=reader).item_id == second.pk
    page = signed_in(reader).get(guide.get_absolute_url()).content.decode()
    assert "First item, reworded" in page


def test_a_second_editor_is_told_and_keeps_their_text(guide: Guide, editor_client, staff_client):
    text, base = opened(editor_client, guide)
    other_text, other_base = opened(staff_client, guide)
    assert (
        editor_client.post(
            editor_url(guide), {"markdown": text.replace("Heaps for", "Heaps, for"), "base": base}
        ).status_code
        == HTTPStatus.FOUND
    )
    mine = other_text.replace("Second intro paragraph.", "My own second paragraph.")
    response = staff_client.post(editor_url(guide), {"markdown": mine, "base": other_base})
    assert response.status_code == HTTPStatus.CONFLICT
    html = response.content.decode()
    assert "was saved again (revision 2" in html
    assert f"?a={other_base}&amp;b=2" in html  # what changed since they opened it
    assert 'target="_blank"' in html  # in a new tab: this page keeps the text
    # ...and on this page, beside the text: the other editor's change as a diff.
    assert ("remove", 'title: "Heaps for interviews"') in response.context["stale_diff"]
    assert ("add", 'title: "Heaps, for interviews"') in response.context["stale_diff"]
    assert response.context["text"] == mine
    assert Guide.objects.get().title == "Heaps, for interviews"
    # Saving again from the page (now based on revision 2) goes through.
    assert (
        staff_client.post(editor_url(guide), {"markdown": mine, "base": "2"}).status_code
        == HTTPStatus.FOUND
    )
    assert "My own second paragraph." in Guide.objects.get().intro


def test_the_preview_shows_the_text_as_readers_would_and_keeps_nothing(
    guide: Guide, editor_client: Client, django_capture_on_commit_callbacks
) -> None:
    text, _ = opened(editor_client, guide)
    reader = signed_in(SubscriptionFactory().user)
    draft = text.replace("I'll test the edges.", "I'll test the edges, previewed.")
    url = f"/admin/articles/guide/{guide.pk}/markdown/preview/"
    pages_before = content_version()
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(url, {"markdown": draft, "as": "subscriber"})
    assert response.status_code == HTTPStatus.OK
    # A preview retires no cached page of the site (it is rolled back).
    assert content_version() == pages_before
    assert "I&#x27;ll test the edges, previewed." in response.content.decode()
    # Shown in the editor's own frame, and nowhere else.
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert "frame-ancestors 'self'" in response["Content-Security-Policy"]
    as_visitor = editor_client.post(url, {"markdown": draft, "as": "visitor"}).content.decode()
    assert 'id="paywall"' in as_visitor
    assert "previewed" not in as_visitor  # the second section is past the cut
    wrong = draft.replace("## Scripts", "#### Scripts")
    line = wrong.splitlines().index("#### Scripts") + 1
    broken = editor_client.post(url, {"markdown": wrong})
    assert broken.status_code == HTTPStatus.BAD_REQUEST
    assert f"line {line}: only &#x27;## &#x27; section headings" in broken.content.decode()
    # Nothing was kept: not the guide, not a revision, not a cached rendering.
    assert guide.revisions.count() == 1
    assert "previewed" not in reader.get(guide.get_absolute_url()).content.decode()
    # A real save of other text then shows that text, not the preview's rendering (the preview
    # ran at the version number this save takes).
    final = text.replace("I'll test the edges.", "I'll test the edges, saved.")
    with django_capture_on_commit_callbacks(execute=True):
        saved = editor_client.post(editor_url(guide), {"markdown": final, "base": "1"})
    assert saved.status_code == HTTPStatus.FOUND
    after = reader.get(guide.get_absolute_url()).content.decode()
    assert "I&#x27;ll test the edges, saved." in after
    assert "previewed" not in after


def test_an_image_uploaded_in_the_editor_is_inserted_and_saved(
    guide: Guide, editor_client: Client
) -> None:
    text, base = opened(editor_client, guide)
    out = io.BytesIO()
    Image.new("RGB", (900, 300), "#336699").save(out, "PNG")
    out.seek(0)
    out.name = "ring-buffer.png"
    # The alt text is the writer's: an upload without it is refused, nothing stored.
    response = editor_client.post(
        editor_url(guide), {"markdown": text, "base": base, "upload": "1", "image": out}
    )
    assert response.context["errors"] == [
        "Write the image's alt text (what it shows) before uploading it."
    ]
    assert response.context["text"] == text
    assert not GuideImage.objects.filter(guide=guide).exists()
    out.seek(0)
    response = editor_client.post(
        editor_url(guide),
        {"markdown": text, "base": base, "upload": "1", "image": out, "alt": "ring buffer"},
    )
    assert response.status_code == HTTPStatus.OK
    inserted = response.context["text"]
    assert inserted.endswith("\n\n![ring buffer](images/ring-buffer.png)\n")
    assert guide.revisions.count() == 1  # uploaded, not saved
    # A file that is not an image is refused with a reason, the text kept.
    bad = io.BytesIO(b"not an image")
    bad.name = "notes.png"
    refused = editor_client.post(
        editor_url(guide),
        {"markdown": text, "base": base, "upload": "1", "image": bad, "alt": "Notes"},
    )
    assert "is not a PNG, JPEG or WebP image" in refused.content.decode()
    assert refused.context["text"] == text
    saved = editor_client.post(editor_url(guide), {"markdown": inserted, "base": base})
    assert saved.status_code == HTTPStatus.FOUND
    image = GuideImage.objects.get(guide=guide)
    assert (image.width, image.height) == (720, 240)
    page = signed_in(SubscriptionFactory().user).get(guide.get_absolute_url()).content.decode()
    assert f'src="{image.url("1x.webp")}"' in page
    # An image the guide has not uploaded is an error by line.
    missing = inserted.replace("ring-buffer.png", "nowhere.png")
    response = editor_client.post(editor_url(guide), {"markdown": missing, "base": "2"})
    assert response.context["errors"] == [
        f"line {missing.splitlines().index('![ring buffer](images/nowhere.png)') + 1}: no image "
        "'nowhere.png' has been uploaded for this guide; upload it below"
    ]


def test_revisions_compare_and_restore(guide: Guide, editor_client: Client, editor) -> None:
    text, base = opened(editor_client, guide)
    editor_client.post(
        editor_url(guide),
        {"markdown": text.replace("When a heap is the answer.", "Heaps, when."), "base": base},
    )
    page = editor_client.get(f"/admin/articles/guide/{guide.pk}/revisions/?a=1&b=2")
    html = page.content.decode()
    assert '<span class="diff-remove">- dek: &quot;When a heap is the answer.&quot;</span>' in html
    assert '<span class="diff-add">+ dek: &quot;Heaps, when.&quot;</span>' in html
    response = editor_client.post(f"/admin/articles/guide/{guide.pk}/revisions/1/restore/")
    assert response.status_code == HTTPStatus.FOUND
    assert Guide.objects.get().dek == "When a heap is the answer."
    latest = guide.revisions.order_by("-number").first()
    assert (latest.number, latest.source, latest.note, latest.author) == (
        3,
        "restore",
        "Restored revision 1",
        editor,
    )
    assert latest.markdown == GuideRevision.objects.get(guide=guide, number=1).markdown


def test_the_editor_is_for_editors_only(guide: Guide, client: Client) -> None:
    assert client.get(editor_url(guide)).status_code == HTTPStatus.FOUND  # to sign in
    reader = signed_in(SubscriptionFactory().user)
    assert reader.get(editor_url(guide)).status_code == HTTPStatus.FOUND
    preview = f"/admin/articles/guide/{guide.pk}/markdown/preview/"
    assert reader.post(preview, {"markdown": VALID}).status_code == HTTPStatus.FOUND


@pytest.mark.django_db(transaction=True)
def test_a_guide_from_before_revisions_opens_in_the_editor(editor_client: Client) -> None:
    # Outside a test transaction, as on a real server: the first revision is made on opening.
    (guide,) = guides_import([("heaps.md", VALID)])
    GuideRevision.objects.all().delete()
    text, base = opened(editor_client, guide)
    assert base == "1"
    assert GuideRevision.objects.get(guide=guide).markdown == text
    page = editor_client.get(f"/admin/articles/guide/{guide.pk}/revisions/")
    assert page.status_code == HTTPStatus.OK


def test_an_upload_never_replaces_an_image_the_guide_shows(
    guide: Guide, editor_client: Client
) -> None:
    def upload(colour: str) -> str:
        out = io.BytesIO()
        Image.new("RGB", (300, 100), colour).save(out, "PNG")
        out.seek(0)
        out.name = "Flow Chart.png"
        text, base = opened(editor_client, guide)
        response = editor_client.post(
            editor_url(guide),
            {"markdown": text, "base": base, "upload": "1", "image": out, "alt": "flow chart"},
        )
        return response.context["text"].rstrip().splitlines()[-1]

    assert upload("#112233") == "![flow chart](images/flow-chart.png)"
    assert upload("#112233") == "![flow chart](images/flow-chart.png)"  # the same file again
    assert upload("#445566") == "![flow chart](images/flow-chart-2.png)"
    assert sorted(GuideImage.objects.values_list("name", flat=True)) == [
        "flow-chart-2.png",
        "flow-chart.png",
    ]


# --- An editor's typo never publishes, and no save undoes another -------------------------------
# The Markdown editor refuses an unknown track (naming the line and the tracks) and never creates
# or renames one; a restore never brings a track back; the admin's guide and section forms
# refuse a save when the guide was saved since they were opened.

TRACKS = "coding, system-design, behavioral, mock-interviews, ml-ai-engineering, career"


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
        f"/admin/articles/guide/{guide.pk}/markdown/preview/", {"markdown": typo}
    )
    assert preview.status_code == HTTPStatus.BAD_REQUEST
    assert "unknown track &#x27;behavioural&#x27;" in preview.content.decode()
    assert Track.objects.count() == len(REFERENCE_TRACKS)  # none made


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


def posted_back(page) -> dict[str, object]:
    """An admin change form (and its inlines) as the browser would post it back."""
    form = page.context["adminform"].form
    data = {name: form[name].value() for name in form.fields}
    for formset in page.context["inline_admin_formsets"]:
        management = formset.formset.management_form
        for name in management.fields:
            data[f"{management.prefix}-{name}"] = management[name].value()
        for inline in formset.formset.forms:
            for name in inline.fields:
                data[f"{inline.prefix}-{name}"] = inline[name].value()
    return {key: "" if value is None else value for key, value in data.items()}


def saved_meanwhile(client: Client, guide: Guide) -> None:
    """Another editor saves the guide in the Markdown editor (its intro begins "Theirs.")."""
    text, base = opened(client, guide)
    theirs = text.replace("First intro paragraph with *emphasis*.", "Theirs.")
    client.post(editor_url(guide), {"markdown": theirs, "base": base})


def _guide_form(guide: Guide, page) -> dict[str, object]:
    """The guide's change form as the browser would post it back (its date in two fields)."""
    data = posted_back(page)
    data.pop("published_at", None)
    data["published_at_0"] = guide.published_at.strftime("%Y-%m-%d")
    data["published_at_1"] = guide.published_at.strftime("%H:%M:%S")
    return data


def test_the_guide_form_refuses_a_save_when_the_guide_was_saved_since_it_was_opened(
    guide: Guide, editor_client: Client
) -> None:
    url = f"/admin/articles/guide/{guide.pk}/change/"
    page = editor_client.get(url)
    data = _guide_form(guide, page)
    saved_meanwhile(editor_client, guide)
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
    data = posted_back(editor_client.get(url))
    data.pop("guide", None)
    saved_meanwhile(editor_client, guide)
    data["heading"] = "Mine"
    response = editor_client.post(url, data)
    assert response.status_code == HTTPStatus.OK
    assert "was saved since you opened this page" in response.content.decode()
    assert Section.objects.get(pk=section.pk).heading != "Mine"


def test_every_error_is_listed_with_its_line(guide: Guide, editor_client: Client) -> None:
    text, base = opened(editor_client, guide)
    broken = (
        text.replace("Second intro paragraph.", "### A subheading in the intro")
        .replace("- [ ] Second item", "- [ ] Second item\n\n***")
        .replace("## Scripts", "#### Scripts too deep\n\n## Scripts")
    )
    lines = broken.split("\n")
    wrong = [
        lines.index("### A subheading in the intro") + 1,
        lines.index("***") + 1,
        lines.index("#### Scripts too deep") + 1,
    ]
    page = editor_client.post(editor_url(guide), {"markdown": broken, "base": base, "save": "1"})
    assert page.status_code == HTTPStatus.BAD_REQUEST
    html = page.content.decode()
    assert "Fix 3 problems" in html
    for line in wrong:
        assert f'data-line="{line}">line {line}</a>' in html
    assert guide.revisions.count() == 1


def test_raw_html_is_refused_on_saving_with_its_line(guide: Guide, editor_client: Client) -> None:
    text, base = opened(editor_client, guide)
    broken = text.replace("## Scripts", '<img src="x.png">\n\n## Scripts')
    line = broken.split("\n").index('<img src="x.png">') + 1
    page = editor_client.post(editor_url(guide), {"markdown": broken, "base": base, "save": "1"})
    assert page.status_code == HTTPStatus.BAD_REQUEST
    assert page.context["errors"] == [
        f"line {line}: raw HTML is not supported; write Markdown, or put the HTML in `code`"
    ]
    assert guide.revisions.count() == 1


def test_a_warning_shows_in_the_preview_and_after_saving_as_line_n(
    guide: Guide, editor_client: Client
) -> None:
    text, base = opened(editor_client, guide)
    warned = text.replace("## Scripts", "```klingonscript\nqapla\n```\n\n## Scripts")
    line = warned.split("\n").index("```klingonscript") + 1
    expected = f"line {line}: unknown language 'klingonscript'; the code is shown as plain text"
    preview = editor_client.post(f"{editor_url(guide)}preview/", {"markdown": warned})
    assert preview.status_code == HTTPStatus.OK
    assert f"Warning: {expected}" in preview.content.decode().replace("&#x27;", "'")
    saved = editor_client.post(
        editor_url(guide), {"markdown": warned, "base": base, "save": "1"}, follow=True
    )
    assert saved.context["warnings"] == [expected]


def test_alt_text_is_written_back_as_typed_escaping_only_what_markdown_needs(
    guide: Guide, editor_client: Client
) -> None:
    text, base = opened(editor_client, guide)
    out = io.BytesIO()
    Image.new("RGB", (900, 300), "#336699").save(out, "PNG")
    out.seek(0)
    out.name = "bucket-diagram-final.png"
    alt = "A client, a gateway (and a [bucket]): 3 steps!"
    response = editor_client.post(
        editor_url(guide),
        {"markdown": text, "base": base, "upload": "1", "image": out, "alt": alt},
    )
    line = "![A client, a gateway (and a \\[bucket\\]): 3 steps!](images/bucket-diagram-final.png)"
    assert response.context["text"].endswith(f"\n\n{line}\n")
    saved = editor_client.post(
        editor_url(guide), {"markdown": response.context["text"], "base": base}
    )
    assert saved.status_code == HTTPStatus.FOUND
    guide.refresh_from_db()
    assert guide_markdown(guide=guide).rstrip().endswith(line)
    (block,) = [b for b in Block.objects.filter(section__guide=guide) if b.kind == "image"]
    assert block.text == alt


def test_editor_saves_and_restores_appear_in_the_admin_history(
    guide: Guide, editor_client: Client, editor
) -> None:
    text, base = opened(editor_client, guide)
    saved = editor_client.post(
        editor_url(guide), {"markdown": text.replace("Second intro", "Later intro"), "base": base}
    )
    assert saved.status_code == HTTPStatus.FOUND
    editor_client.post(f"/admin/articles/guide/{guide.pk}/revisions/1/restore/")
    history = editor_client.get(f"/admin/articles/guide/{guide.pk}/history/").content.decode()
    assert "Saved as Markdown (revision 2)." in history
    assert "Restored revision 1 as revision 3." in history
    assert "doesn’t have a change history" not in history
    entry = LogEntry.objects.order_by("-action_time").first()
    assert (entry.user, entry.object_id, entry.action_flag) == (editor, str(guide.pk), CHANGE)
    home = editor_client.get("/admin/").content.decode()
    recent = home[home.index("Recent actions") :]
    assert f'href="/admin/articles/guide/{guide.pk}/change/"' in recent


def test_edit_as_markdown_and_revisions_lead_the_guide_admin_page(
    guide: Guide, editor_client: Client
) -> None:
    page = editor_client.get(f"/admin/articles/guide/{guide.pk}/change/")
    tools = re.search(r'<ul class="object-tools">(.*?)</ul>', page.content.decode(), re.S)
    assert tools is not None
    links = re.findall(r"<a [^>]*>([^<]+)</a>", tools[1])
    assert links[:3] == ["Edit as Markdown", "Revisions", "History"]


def test_the_editor_and_revisions_use_the_admin_breadcrumbs(
    guide: Guide, editor_client: Client
) -> None:
    for url in (editor_url(guide), f"/admin/articles/guide/{guide.pk}/revisions/"):
        html = editor_client.get(url).content.decode()
        assert '<ol class="breadcrumbs">' in html
        assert '<div class="breadcrumbs">' not in html


def upload(client: Client, guide: Guide, text: str, base: str, line: str) -> str:
    """Upload an image from the editor with the cursor on `line` (as the editor's script sends
    it; "" without the script): the text that comes back."""
    out = io.BytesIO()
    Image.new("RGB", (600, 300), "#336699").save(out, "PNG")
    out.seek(0)
    out.name = "cursor.png"
    data = {"markdown": text, "base": base, "upload": "1", "image": out, "alt": "At the cursor"}
    response = client.post(editor_url(guide), {**data, "line": line})
    assert response.status_code == HTTPStatus.OK
    assert response.context["kept"]
    inserted = response.context["text"]
    assert inserted.split("\n")[response.context["inserted_line"] - 1] == (
        "![At the cursor](images/cursor.png)"
    )
    return inserted


def test_an_uploaded_image_lands_after_the_cursors_line(guide: Guide, editor_client: Client):
    text, base = opened(editor_client, guide)
    lines = text.split("\n")
    cursor = lines.index("A paragraph with `code` and a [link](https://example.com).") + 1
    inserted = upload(editor_client, guide, text, base, str(cursor)).split("\n")
    assert inserted[cursor - 1 : cursor + 3] == [
        lines[cursor - 1],
        "",
        "![At the cursor](images/cursor.png)",
        "",
    ]
    assert inserted[cursor + 3].startswith("> A quote that spans")
    # A cursor in the front matter puts it just after; none (no script) at the end.
    after_front_matter = upload(editor_client, guide, text, base, "2").split("\n")
    closing = lines.index("---", 1)
    assert after_front_matter[closing + 2] == "![At the cursor](images/cursor.png)"
    assert upload(editor_client, guide, text, base, "").endswith(
        "\n\n![At the cursor](images/cursor.png)\n"
    )


def test_the_editor_page_lets_codemirror_style_itself_with_the_pages_nonce(
    guide: Guide, editor_client: Client
) -> None:
    response = editor_client.get(editor_url(guide))
    policy = response["Content-Security-Policy"]
    style = next(part for part in policy.split(";") if part.strip().startswith("style-src"))
    assert "'nonce-" in style
    assert "build/markdown-editor" in response.content.decode()
    assert not response.context["kept"]  # the text shown is the saved one


def test_the_previews_errors_name_their_lines_for_the_editors_markers(
    guide: Guide, editor_client: Client
) -> None:
    text, _ = opened(editor_client, guide)
    broken = text.replace("Second intro paragraph.", "### A subheading in the intro")
    line = broken.split("\n").index("### A subheading in the intro") + 1
    response = editor_client.post(f"{editor_url(guide)}preview/", {"markdown": broken})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert f'<li data-line="{line}">line {line}: ' in response.content.decode()


def test_every_front_matter_error_is_listed_with_its_line_on_saving(
    guide: Guide, editor_client: Client
) -> None:
    text, base = opened(editor_client, guide)
    broken = (
        text.replace("track: coding", "track: codng")
        .replace("access: premium", "access: vip")
        .replace("status: published", "status: published\nsubtitle: x")
    )
    lines = broken.split("\n")

    def line(start: str) -> int:
        return next(n for n, line in enumerate(lines, start=1) if line.startswith(start))

    page = editor_client.post(editor_url(guide), {"markdown": broken, "base": base, "save": "1"})
    assert page.status_code == HTTPStatus.BAD_REQUEST
    errors = page.context["errors"]
    assert [error.split(":")[0] for error in errors] == [
        f"line {line('track:')}",
        f"line {line('access:')}",
        f"line {line('subtitle:')}",
    ]
    assert "unknown track 'codng'" in errors[0]
    assert "'vip' must be 'free' or 'premium'" in errors[1]
    assert "unknown front matter key: subtitle" in errors[2]
    html = page.content.decode()
    for number in (line("track:"), line("access:"), line("subtitle:")):
        assert f'data-line="{number}">line {number}</a>' in html
    assert guide.revisions.count() == 1


def test_the_guide_admin_page_shows_edit_as_markdown_and_revisions_once(
    guide: Guide, editor_client: Client
) -> None:
    page = editor_client.get(f"/admin/articles/guide/{guide.pk}/change/").content.decode()
    assert page.count("Edit as Markdown") == 1
    assert page.count(f'href="/admin/articles/guide/{guide.pk}/revisions/"') == 1
    # The preview and the export are still offered beside the publishing fields.
    assert "Preview as a subscriber" in page
    assert f'href="/admin/articles/guide/{guide.pk}/export/"' in page


def test_a_cursor_in_crlf_front_matter_still_puts_the_image_after_it(
    guide: Guide, editor_client: Client
) -> None:
    """Browsers post a text box's lines ending in CRLF: the front matter is still found."""
    text, base = opened(editor_client, guide)
    inserted = upload(editor_client, guide, text.replace("\n", "\r\n"), base, "2").split("\n")
    closing = text.split("\n").index("---", 1)
    assert inserted[: closing + 1] == text.split("\n")[: closing + 1]  # the front matter, whole
    assert inserted[closing + 2] == "![At the cursor](images/cursor.png)"
    assert "\r" not in "\n".join(inserted)


@pytest.mark.parametrize("odd", ["²", "1" * 5000, "-3", "4.0", " 7"])
def test_an_odd_line_or_revision_number_is_no_number_never_a_500(
    guide: Guide, editor_client: Client, odd: str
) -> None:
    text, base = opened(editor_client, guide)
    # A line that is no number: the image goes at the end.
    assert upload(editor_client, guide, text, base, odd).endswith(
        "\n\n![At the cursor](images/cursor.png)\n"
    )
    # A revision that is no number is no revision known (as when a form sends none).
    response = editor_client.post(editor_url(guide), {"markdown": text, "base": odd})
    assert response.status_code == HTTPStatus.FOUND
    compare = editor_client.get(f"/admin/articles/guide/{guide.pk}/revisions/?a={odd}&b=1")
    assert compare.status_code == HTTPStatus.OK
    assert compare.context["diff"] is None
