"""The paywall: premium text past the cut never reaches a reader without access."""

from __future__ import annotations

import datetime as dt
from http import HTTPStatus

import pytest
from django.test import Client
from django.utils import timezone

from articles.models import Guide
from articles.services import guide_save

from ..factories import make_guide
from ..helpers import PREVIEW_MARK, SENTINEL


def premium_guide(**fields) -> Guide:
    return make_guide(
        access="premium",
        title="Premium sentinel guide",
        slug="premium-sentinel",
        sections=[
            [("paragraph", f"The {PREVIEW_MARK} section everyone may read.")],
            [
                ("paragraph", f"Secret {SENTINEL} paragraph."),
                ("checklist", f"Item {SENTINEL}-check\nSecond item"),
            ],
            [
                ("quote", f"A quote with {SENTINEL}-quote inside."),
                ("phrases", f"Moment | What to say\nStart | {SENTINEL}-phrase row"),
            ],
        ],
        **fields,
    )


def public_urls(guide: Guide) -> list[str]:
    return [
        "/",
        "/guides/",
        f"/tracks/{guide.track.slug}/",
        guide.get_absolute_url(),
        f"/search/?q={SENTINEL}",
        f"/search/?q={PREVIEW_MARK}",
        "/search/?q=secret+paragraph",
        "/feed/",
        "/sitemap.xml",
        "/robots.txt",
        "/pricing/",
    ]


def leaked(body: bytes) -> bool:
    """Whether the sentinel is in a response, other than the search page echoing the query."""
    text = body.decode().replace(f'value="{SENTINEL}"', "").replace(f"“{SENTINEL}”", "")
    return SENTINEL in text


@pytest.mark.django_db
def test_premium_text_past_the_cut_never_reaches_an_anonymous_visitor(client: Client) -> None:
    guide = premium_guide()
    for url in public_urls(guide):
        response = client.get(url)
        assert response.status_code == HTTPStatus.OK, url
        assert not leaked(response.content), url


@pytest.mark.django_db
def test_premium_text_never_reaches_a_signed_in_reader_without_access(client, reader) -> None:
    guide = premium_guide()
    client.force_login(reader)
    for url in public_urls(guide):
        assert not leaked(client.get(url).content), url


@pytest.mark.django_db
def test_non_reader_sees_preview_full_toc_and_paywall(client: Client) -> None:
    guide = premium_guide()
    html = client.get(guide.get_absolute_url()).content.decode()
    assert PREVIEW_MARK in html
    for heading in ("Section heading 1", "Section heading 2", "Section heading 3"):
        assert heading in html
    assert 'id="paywall"' in html
    assert "$19" in html
    assert "2 more sections of this guide are for subscribers" in html


@pytest.mark.django_db
def test_staff_read_the_whole_premium_guide(staff_client: Client) -> None:
    guide = premium_guide()
    html = staff_client.get(guide.get_absolute_url()).content.decode()
    for piece in (
        PREVIEW_MARK,
        f"Secret {SENTINEL}",
        f"{SENTINEL}-check",
        f"{SENTINEL}-quote",
        f"{SENTINEL}-phrase",
    ):
        assert piece in html
    assert 'id="paywall"' not in html


@pytest.mark.django_db
def test_staff_search_finds_text_past_the_cut_and_visitors_do_not(client, staff_client) -> None:
    premium_guide()
    assert "Premium sentinel guide" in staff_client.get(f"/search/?q={SENTINEL}").content.decode()
    assert "Premium sentinel guide" not in client.get(f"/search/?q={SENTINEL}").content.decode()
    # The preview itself is searchable by everyone.
    assert "Premium sentinel guide" in client.get(f"/search/?q={PREVIEW_MARK}").content.decode()


@pytest.mark.django_db
def test_the_preview_cut_is_movable(client: Client) -> None:
    guide = premium_guide(preview_sections=2)
    html = client.get(guide.get_absolute_url()).content.decode()
    assert f"Secret {SENTINEL}" in html
    assert f"{SENTINEL}-quote" not in html
    assert "1 more section of this guide is for subscribers" in html


@pytest.mark.django_db
def test_a_cut_of_zero_shows_only_the_intro(client: Client) -> None:
    guide = premium_guide(preview_sections=0)
    html = client.get(guide.get_absolute_url()).content.decode()
    assert "An introduction anyone may read." in html
    assert PREVIEW_MARK not in html


@pytest.mark.django_db
def test_free_guides_are_whole_for_everyone(client: Client) -> None:
    guide = make_guide(access="free", sections=[[("paragraph", "one")], [("paragraph", SENTINEL)]])
    html = client.get(guide.get_absolute_url()).content.decode()
    assert SENTINEL in html
    assert 'id="paywall"' not in html


@pytest.mark.django_db
def test_cached_full_rendering_is_never_served_to_a_visitor(client, staff_client) -> None:
    guide = premium_guide()
    assert SENTINEL in staff_client.get(guide.get_absolute_url()).content.decode()
    assert SENTINEL not in client.get(guide.get_absolute_url()).content.decode()


@pytest.mark.django_db
def test_an_edit_is_shown_at_once_despite_the_cache(
    client: Client, django_capture_on_commit_callbacks
) -> None:
    from articles.models import Block
    from articles.services import guide_refresh

    guide = make_guide(sections=[[("paragraph", "Before the edit.")]])
    assert "Before the edit." in client.get(guide.get_absolute_url()).content.decode()
    Block.objects.filter(section__guide=guide).update(text="After the edit.")
    with django_capture_on_commit_callbacks(execute=True):  # as when the edit commits
        guide_refresh(guide=guide)
    assert "After the edit." in client.get(guide.get_absolute_url()).content.decode()


HIDDEN = [
    ("draft", {"status": "draft"}),
    ("scheduled", {"published_at": timezone.now() + dt.timedelta(days=3)}),
    ("published without a time", {"published_at": None}),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "fields"), HIDDEN, ids=[h[0] for h in HIDDEN])
def test_draft_and_scheduled_guides_are_invisible_to_the_public(client, name, fields) -> None:
    guide = make_guide(
        title="Hidden guide title",
        slug="hidden-guide",
        sections=[[("paragraph", f"{SENTINEL} hidden")]],
        **fields,
    )
    assert client.get(guide.get_absolute_url()).status_code == HTTPStatus.NOT_FOUND
    for url in [
        "/",
        "/guides/",
        "/tracks/coding/",
        "/feed/",
        "/sitemap.xml",
        f"/search/?q={SENTINEL}",
        "/search/?q=hidden",
    ]:
        body = client.get(url).content.decode()
        assert "Hidden guide title" not in body, url
        assert "hidden-guide" not in body, url


@pytest.mark.django_db
def test_scheduled_guide_appears_once_its_time_comes(client: Client) -> None:
    guide = make_guide(published_at=timezone.now() + dt.timedelta(hours=1))
    assert client.get(guide.get_absolute_url()).status_code == HTTPStatus.NOT_FOUND
    Guide.objects.filter(pk=guide.pk).update(published_at=timezone.now() - dt.timedelta(seconds=1))
    assert client.get(guide.get_absolute_url()).status_code == HTTPStatus.OK


@pytest.mark.django_db
def test_staff_preview_shows_a_draft_as_readers_will_see_it(staff_client, client) -> None:
    guide = premium_guide(status="draft")
    url = f"{guide.get_absolute_url()}preview/"
    full = staff_client.get(url)
    assert full.status_code == HTTPStatus.OK
    assert SENTINEL in full.content.decode()
    assert "Editor preview" in full.content.decode()
    as_visitor = staff_client.get(f"{url}?as=visitor").content.decode()
    assert SENTINEL not in as_visitor
    assert 'id="paywall"' in as_visitor
    # Not for the public: the preview URL sends visitors to sign in.
    response = client.get(url)
    assert response.status_code == HTTPStatus.FOUND
    assert SENTINEL not in response.content.decode()


@pytest.mark.django_db
def test_making_a_free_guide_premium_closes_it_at_once(
    client: Client, django_capture_on_commit_callbacks
) -> None:
    from articles.services import guide_refresh

    guide = make_guide(access="free", sections=[[("paragraph", "one")], [("paragraph", SENTINEL)]])
    assert SENTINEL in client.get(guide.get_absolute_url()).content.decode()  # cached as free
    guide.access = "premium"
    guide_save(guide=guide)
    with django_capture_on_commit_callbacks(execute=True):
        guide_refresh(guide=guide)
    assert SENTINEL not in client.get(guide.get_absolute_url()).content.decode()


@pytest.mark.django_db
def test_unpublishing_hides_a_cached_guide_at_once(
    editor_client, client, django_capture_on_commit_callbacks
) -> None:
    guide = make_guide()
    assert client.get(guide.get_absolute_url()).status_code == 200  # now cached
    with django_capture_on_commit_callbacks(execute=True):
        editor_client.post(
            "/admin/articles/guide/", {"action": "unpublish", "_selected_action": [guide.pk]}
        )
    assert client.get(guide.get_absolute_url()).status_code == 404


@pytest.mark.django_db
def test_a_page_built_before_an_edit_committed_is_never_served_after_it(
    client: Client, django_capture_on_commit_callbacks
) -> None:
    """A request that read the rows before an editor's commit may store its page after the
    commit; it lands under the old content stamp, which no request reads any more."""
    from django.core.cache import cache

    from pages.cache import GUIDE_PAGE, content_changed, content_version

    guide = premium_guide()
    stale = {
        "title": guide.title,
        "dek": guide.dek,
        "level": "full",
        "locked": 0,
        "head": "",
        "article": f"<p>{SENTINEL} from before the edit</p>",
    }
    before = content_version()
    with django_capture_on_commit_callbacks(execute=True):
        content_changed()  # the editor's commit
    cache.set(GUIDE_PAGE.key(guide.slug, "visitor", version=before), stale)  # the slow request
    assert SENTINEL not in client.get(guide.get_absolute_url()).content.decode()


@pytest.mark.django_db
def test_deleting_a_section_in_the_admin_updates_the_page(
    editor_client, client, django_capture_on_commit_callbacks
) -> None:
    guide = make_guide(sections=[[("paragraph", "Kept section.")], [("paragraph", "Gone soon.")]])
    assert "Gone soon." in client.get(guide.get_absolute_url()).content.decode()
    doomed = guide.sections.get(position=1)
    with django_capture_on_commit_callbacks(execute=True):
        editor_client.post(f"/admin/articles/section/{doomed.pk}/delete/", {"post": "yes"})
    html = client.get(guide.get_absolute_url()).content.decode()
    assert "Gone soon." not in html
    assert "Kept section." in html


@pytest.mark.django_db
def test_renaming_a_track_shows_on_cached_guide_pages(
    editor_client, client, django_capture_on_commit_callbacks
) -> None:
    from articles.models import Track

    guide = make_guide()
    assert "Coding Interviews" in client.get(guide.get_absolute_url()).content.decode()
    track = Track.objects.get(slug="coding")
    with django_capture_on_commit_callbacks(execute=True):
        editor_client.post(
            f"/admin/articles/track/{track.pk}/change/",
            {"slug": "coding", "title": "Coding Rounds", "description": "", "position": 0},
        )
    assert "Coding Rounds" in client.get(guide.get_absolute_url()).content.decode()
