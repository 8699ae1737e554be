"""Reader pages other than the guide: home, library, tracks, search, feed, sitemap, health."""

from __future__ import annotations

from http import HTTPStatus

import pytest
from django.test import Client, override_settings

from ..factories import GuideFactory, make_guide


@pytest.mark.django_db
def test_home_shows_the_five_tracks_and_latest_guides(client: Client) -> None:
    make_guide(title="Newest heap guide")
    html = client.get("/").content.decode()
    for title in (
        "Coding Interviews",
        "System Design Interviews",
        "Behavioral Interviews",
        "Mock Interviews",
        "ML &amp; AI Engineering Interviews",
    ):
        assert title in html
    assert "Newest heap guide" in html


@pytest.mark.django_db
def test_library_is_paginated_and_junk_page_numbers_are_handled(client: Client) -> None:
    GuideFactory.create_batch(15)
    first = client.get("/guides/").content.decode()
    assert "Page 1 of 2" in first
    assert first.count('class="card"') == 12
    second = client.get("/guides/?page=2").content.decode()
    assert second.count('class="card"') == 3
    for junk in ("abc", "-1", "9999", "1%00", "1e10"):
        assert client.get(f"/guides/?page={junk}").status_code == HTTPStatus.OK


@pytest.mark.django_db
def test_track_page_lists_only_its_guides(client: Client) -> None:
    make_guide(title="A coding guide")
    from articles.models import Track

    make_guide(title="A design guide", track=Track.objects.get(slug="system-design"))
    html = client.get("/tracks/system-design/").content.decode()
    assert "A design guide" in html
    assert "A coding guide" not in html
    assert client.get("/tracks/no-such-track/").status_code == HTTPStatus.NOT_FOUND


@pytest.mark.django_db
def test_search_ranks_title_matches_first_and_highlights_snippets(client: Client) -> None:
    make_guide(
        title="Other guide",
        slug="other",
        sections=[[("paragraph", "Mentions a heap once in the body text.")]],
    )
    make_guide(
        title="Heap patterns",
        slug="heaps",
        sections=[[("paragraph", "A heap keeps the smallest item on top.")]],
    )
    html = client.get("/search/?q=heap").content.decode()
    assert html.index("Heap patterns") < html.index("Other guide")
    assert "<mark>heap</mark>" in html
    assert "2 results" in html


@pytest.mark.django_db
def test_search_escapes_text_and_survives_junk_queries(client: Client) -> None:
    make_guide(sections=[[("paragraph", "Compare `a<b` with care.")]])
    html = client.get("/search/?q=compare").content.decode()
    assert "a&lt;b" in html
    for junk in [
        "",
        "%00",
        "\x00",
        "a\x00b",
        "\x02x\x03",
        "'",
        '"',
        "a&b|c",
        "!!!",
        "(",
        "x" * 5000,
        "<script>",
        "or 1=1--",
    ]:
        response = client.get("/search/", {"q": junk})
        assert response.status_code == HTTPStatus.OK, junk
        assert "<script>" not in response.content.decode().split("<main")[1]
    for raw in ("%ED%A0%80", "%FF%FE", "%C0%AF"):  # bytes that are not UTF-8
        assert client.get(f"/search/?q={raw}").status_code == HTTPStatus.OK, raw


@pytest.mark.django_db
def test_feed_lists_published_guides_with_their_deks(client: Client) -> None:
    make_guide(title="Feed guide", dek="Feed dek text")
    response = client.get("/feed/")
    assert response["Content-Type"].startswith("application/rss+xml")
    body = response.content.decode()
    assert "Feed guide" in body
    assert "Feed dek text" in body


@pytest.mark.django_db
def test_sitemap_and_robots(client: Client) -> None:
    guide = make_guide()
    sitemap = client.get("/sitemap.xml").content.decode()
    assert guide.get_absolute_url() in sitemap
    assert "/tracks/coding/" in sitemap
    robots = client.get("/robots.txt")
    assert robots["Content-Type"].startswith("text/plain")
    assert "Sitemap: http" in robots.content.decode()
    assert "Disallow: /admin/" in robots.content.decode()


@pytest.mark.django_db
def test_healthz_reports_database_and_cache(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == HTTPStatus.OK
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok"}


@pytest.mark.django_db
@override_settings(
    CACHES={
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
        }
    }
)
def test_healthz_is_503_when_redis_is_unreachable(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert response.json()["cache"].startswith("error")


@pytest.mark.django_db
def test_unknown_pages_get_the_site_404(client: Client) -> None:
    response = client.get("/guides/does-not-exist/")
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert "We couldn’t find that page" in response.content.decode()


def test_500_page_is_self_contained() -> None:
    from django.template.loader import render_to_string

    html = render_to_string("500.html")
    assert "Something went wrong on our side" in html
    assert "{%" not in html


@pytest.mark.django_db
def test_pages_send_a_content_security_policy(client: Client) -> None:
    guide = make_guide()
    response = client.get(guide.get_absolute_url())
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    # The page's only inline script is a JSON-LD data block, which browsers never execute.
    html = response.content.decode()
    assert html.count("<script") == html.count('<script type="application/ld+json">') == 1
