"""Editors work in the admin: create, edit blocks, preview, publish, import and export."""

from __future__ import annotations

from http import HTTPStatus

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from articles.models import Guide, Track

from ..helpers import VALID


def inline_management(prefix: str, total: int, initial: int = 0) -> dict:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


@pytest.mark.django_db
def test_editor_creates_previews_and_publishes_a_guide(editor_client: Client, client) -> None:
    coding = Track.objects.get(slug="coding")
    response = editor_client.post(
        "/admin/articles/guide/add/",
        {
            "track": coding.pk,
            "title": "Intervals, merged",
            "slug": "intervals-merged",
            "dek": "Sort, sweep, merge.",
            "intro": "Intervals show up everywhere.",
            "access": "premium",
            "preview_sections": "1",
            "status": "draft",
            "published_at_0": "",
            "published_at_1": "",
            **inline_management("sections", 2),
            "sections-0-position": "0",
            "sections-0-heading": "Sort first",
            "sections-0-anchor": "",
            "sections-1-position": "1",
            "sections-1-heading": "What to say",
            "sections-1-anchor": "",
        },
    )
    assert response.status_code == HTTPStatus.FOUND, response.content.decode()[:3000]
    guide = Guide.objects.get(slug="intervals-merged")
    first, second = guide.sections.all()
    assert (first.anchor, second.anchor) == ("sort-first", "what-to-say")

    # The guide page links to each section's block editor; no ids to type.
    change = editor_client.get(f"/admin/articles/guide/{guide.pk}/change/").content.decode()
    assert f"/admin/articles/section/{first.pk}/change/" in change

    for section, blocks in (
        (
            first,
            [
                ("paragraph", "Sort by start, then sweep once."),
                ("checklist", "Sort by start\nMerge overlaps\nTest touching ends"),
            ],
        ),
        (
            second,
            [
                ("phrases", "Moment | What to say\nStart | I'll sort by start time first."),
                ("quote", "Sorting is the whole trick."),
            ],
        ),
    ):
        data = {
            "position": section.position,
            "heading": section.heading,
            "anchor": section.anchor,
            **inline_management("blocks", len(blocks)),
        }
        for i, (kind, text) in enumerate(blocks):
            data.update(
                {
                    f"blocks-{i}-position": str(i),
                    f"blocks-{i}-kind": kind,
                    f"blocks-{i}-text": text,
                    f"blocks-{i}-attribution": "",
                }
            )
        response = editor_client.post(f"/admin/articles/section/{section.pk}/change/", data)
        assert response.status_code == HTTPStatus.FOUND, response.content.decode()[:3000]
        assert response["Location"] == f"/admin/articles/guide/{guide.pk}/change/"

    guide.refresh_from_db()
    assert guide.word_count > 20  # derived fields were recomputed after the inline edits

    # Draft: invisible to the public, previewable by the editor exactly as readers see it.
    assert client.get("/guides/intervals-merged/").status_code == HTTPStatus.NOT_FOUND
    preview = editor_client.get("/guides/intervals-merged/preview/").content.decode()
    assert '<form class="checklist"' in preview
    assert '<table class="phrases">' in preview
    assert "I&#x27;ll sort by start time first." in preview

    response = editor_client.post(
        "/admin/articles/guide/",
        {"action": "publish", "_selected_action": [guide.pk]},
    )
    assert response.status_code == HTTPStatus.FOUND
    guide.refresh_from_db()
    assert guide.status == "published"
    assert guide.published_at is not None
    public = client.get("/guides/intervals-merged/").content.decode()
    assert "Sort by start, then sweep once." in public
    assert "Sort by start time first" not in public  # premium, past the cut
    assert "Intervals, merged" in client.get("/guides/").content.decode()


@pytest.mark.django_db
def test_phrase_table_with_a_bad_row_is_refused_with_a_clear_error(editor_client, db) -> None:
    from ..factories import make_guide

    guide = make_guide()
    section = guide.sections.first()
    data = {
        "position": 0,
        "heading": "H",
        "anchor": section.anchor,
        **inline_management("blocks", 2, initial=1),
        "blocks-0-id": section.blocks.get().pk,
        "blocks-0-section": section.pk,
        "blocks-0-position": "0",
        "blocks-0-kind": "paragraph",
        "blocks-0-text": "Kept.",
        "blocks-1-position": "1",
        "blocks-1-kind": "phrases",
        "blocks-1-text": "Moment | What to say\nA row without a separator",
    }
    response = editor_client.post(f"/admin/articles/section/{section.pk}/change/", data)
    assert response.status_code == HTTPStatus.OK
    assert "Line 2 needs exactly two cells" in response.content.decode()
    assert section.blocks.count() == 1


@pytest.mark.django_db
def test_unpublish_hides_a_guide(editor_client: Client, client: Client) -> None:
    from ..factories import make_guide

    guide = make_guide()
    editor_client.post(
        "/admin/articles/guide/", {"action": "unpublish", "_selected_action": [guide.pk]}
    )
    assert client.get(guide.get_absolute_url()).status_code == HTTPStatus.NOT_FOUND


@pytest.mark.django_db
def test_guide_list_shows_track_status_access_and_date_and_the_guide_its_words(
    editor_client, seed_guide
) -> None:
    html = editor_client.get("/admin/articles/guide/").content.decode()
    for text in ("ML &amp; AI Engineering Interviews", "Published", "Premium"):
        assert text in html
    assert seed_guide.published_at.strftime("%-d %b %Y") in html
    change = editor_client.get(f"/admin/articles/guide/{seed_guide.pk}/change/").content.decode()
    assert str(seed_guide.word_count) in change
    filtered = editor_client.get("/admin/articles/guide/?access__exact=free").content.decode()
    assert seed_guide.title not in filtered
    searched = editor_client.get("/admin/articles/guide/?q=prompting").content.decode()
    assert seed_guide.title in searched


@pytest.mark.django_db
def test_editor_imports_markdown_upload_and_exports_it_back(editor_client: Client) -> None:
    upload = SimpleUploadedFile("heaps.md", VALID.encode(), content_type="text/markdown")
    response = editor_client.post("/admin/articles/guide/import/", {"files": [upload]})
    assert response.status_code == HTTPStatus.FOUND
    guide = Guide.objects.get(slug="heaps-for-interviews")
    export = editor_client.get(f"/admin/articles/guide/{guide.pk}/export/")
    assert export["Content-Disposition"] == 'attachment; filename="heaps-for-interviews.md"'
    # The same file, normalised: the track's title, a blank line after the front matter,
    # one-line quotes, and no explicit anchor where it equals the one made from the heading.
    assert export.content.decode() == (
        VALID.replace("---\nFirst intro", "---\n\nFirst intro")
        .replace("track: coding\n", 'track: coding\ntrack_title: "Coding Interviews"\n')
        .replace("## Scripts {#scripts}", "## Scripts")
        .replace("> A quote that spans\n> two lines.", "> A quote that spans two lines.")
    )


@pytest.mark.django_db
def test_admin_import_of_a_bad_file_shows_errors_and_imports_nothing(editor_client) -> None:
    bad = SimpleUploadedFile("bad.md", VALID.replace("- [ ] First item", "- First").encode())
    good = SimpleUploadedFile("good.md", VALID.replace("heaps-for-interviews", "ok").encode())
    response = editor_client.post("/admin/articles/guide/import/", {"files": [good, bad]})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "bad.md:23: a list mixes checklist items" in response.content.decode()
    assert not Guide.objects.exists()


@pytest.mark.django_db
def test_editor_cannot_reach_users_or_groups(editor_client: Client) -> None:
    for url in ("/admin/accounts/user/", "/admin/auth/group/", "/admin/accounts/user/add/"):
        assert editor_client.get(url).status_code == HTTPStatus.FORBIDDEN, url
    index = editor_client.get("/admin/").content.decode()
    assert "/admin/articles/guide/" in index
    assert "/admin/accounts/user/" not in index


@pytest.mark.django_db
def test_readers_cannot_reach_the_admin_or_previews(client: Client, reader, db) -> None:
    from ..factories import make_guide

    guide = make_guide(status="draft")
    client.force_login(reader)
    assert client.get("/admin/articles/guide/").status_code == HTTPStatus.FOUND
    assert client.get(f"{guide.get_absolute_url()}preview/").status_code == HTTPStatus.FOUND


@pytest.mark.django_db
def test_exporting_several_guides_gives_a_zip_of_files_that_import_back(editor_client) -> None:
    import io
    import zipfile

    from articles.services import guide_data, guides_import

    from ..factories import make_guide

    guides = [make_guide(slug="one"), make_guide(slug="two")]
    response = editor_client.post(
        "/admin/articles/guide/",
        {"action": "export_markdown", "_selected_action": [g.pk for g in guides]},
    )
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert sorted(archive.namelist()) == ["one.md", "two.md"]
    before = {g.slug: guide_data(g) for g in guides}
    Guide.objects.all().delete()
    files = [(name, archive.read(name).decode()) for name in archive.namelist()]
    assert {g.slug: guide_data(g) for g in guides_import(files)} == before


@pytest.mark.django_db
def test_intro_typed_in_a_browser_keeps_its_paragraphs(client) -> None:
    from articles.services import guide_save

    from ..factories import make_guide

    guide = make_guide()
    guide.intro = "First paragraph.\r\n\r\nSecond paragraph."
    guide_save(guide=guide)
    html = client.get(guide.get_absolute_url()).content.decode()
    assert "<p>First paragraph.</p><p>Second paragraph.</p>" in html


def every_row() -> dict[str, list[dict]]:
    """Every row the admin could change (sessions aside: signing in writes those)."""
    from django.apps import apps

    return {
        model._meta.label: list(model.objects.order_by("pk").values())
        for model in apps.get_models()
        if model._meta.app_label != "sessions"
    }


@pytest.mark.django_db
def test_a_staff_user_with_only_view_permission_changes_nothing_through_any_action(
    fake_stripe, staff
) -> None:
    import datetime as dt

    from allauth.account.models import EmailAddress
    from django.contrib import admin
    from django.contrib.auth.models import Permission
    from django.test import RequestFactory
    from django.utils import timezone

    from billing.models import ComplimentaryAccess, Customer, StripeEvent
    from mail.models import Email
    from mailings.models import Campaign
    from practice.models import Problem

    from ..conftest import new_subscription, signed_in
    from ..factories import SubscriptionFactory, UserFactory, make_guide

    make_guide(slug="draft", status="draft")
    make_guide(slug="live", published_at=None)
    customer = UserFactory()
    SubscriptionFactory(user=customer)
    Customer.objects.create(user=customer, stripe_customer_id="cus_local")
    EmailAddress.objects.create(user=customer, email=customer.email, verified=False)
    ComplimentaryAccess.objects.create(
        user=UserFactory(), expires_at=timezone.now() + dt.timedelta(days=3)
    )
    sub = new_subscription(fake_stripe, customer)
    StripeEvent.objects.create(
        id="evt_failed",
        type="customer.subscription.updated",
        payload=fake_stripe.event("x", sub),
        state="failed",
        error="boom",
    )
    Campaign.objects.create(key="announcement:0", kind="announcement", audience="members")
    Email.objects.create(kind="welcome", cause="user-0", user=customer, to=customer.email)
    Problem.objects.create(
        slug="p", title="P", difficulty="easy", statement="S", walkthrough="W", code={}
    )
    from mocks.models import DesignPrompt, Report, Strike

    from ..mocks.booked import booked

    mock = booked(timezone.now() - dt.timedelta(days=1))
    Report.objects.create(
        reporter=mock.first.user, reported=mock.second.user, booking=mock, reason="Rude."
    )
    Strike.objects.create(member=mock.second.user, booking=mock, cause=Strike.Cause.NO_SHOW)
    DesignPrompt.objects.create(
        slug="feed", title="A feed", topic="feeds", statement="S", solution="W"
    )
    from gifts.models import Gift
    from teams.models import Invite, Member, Team

    Gift.objects.create(
        giver=customer,
        recipient_email="friend@example.com",
        months=3,
        amount=5700,
        state="paid",
        form_token="f" * 32,
    )

    team = Team.objects.create(name="Platform", manager=customer)
    Member.objects.create(team=team, user=customer)
    Invite.objects.create(team=team, email="ada@example.com")
    as_superuser = RequestFactory().get("/admin/")
    as_superuser.user = staff
    tried = []
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        viewer = UserFactory(is_staff=True, email=f"viewer-{opts.model_name}@example.com")
        viewer.user_permissions.add(
            Permission.objects.get(
                content_type__app_label=opts.app_label, codename=f"view_{opts.model_name}"
            )
        )
        browser = signed_in(viewer)
        url = f"/admin/{opts.app_label}/{opts.model_name}/"
        assert browser.get(url).status_code == HTTPStatus.OK, url
        selected = [str(pk) for pk in model.objects.values_list("pk", flat=True)]
        assert selected, f"{opts.label} has no rows to act on"
        for action in model_admin.get_actions(as_superuser):
            before = every_row()
            # "post": the confirmation step of actions that ask for one (delete).
            browser.post(url, {"action": action, "_selected_action": selected, "post": "yes"})
            assert every_row() == before, f"{opts.label}: {action}"
            tried.append(f"{opts.label}.{action}")
    assert {
        "articles.Guide.publish",
        "articles.Guide.unpublish",
        "articles.Guide.announce_to_members",
    } <= set(tried)
    assert "billing.StripeEvent.reprocess" in tried
