"""Paywall leak scan: crawl every public URL as an anonymous visitor and as a canceled
subscriber; premium text past the cut appears nowhere."""

from __future__ import annotations

import re
from collections import deque
from urllib.parse import urljoin, urlsplit

import pytest
from django.test import Client
from django.utils import timezone

from ..factories import SubscriptionFactory, UserFactory, make_guide
from ..helpers import PREVIEW_MARK, SENTINEL

LINK_RE = re.compile(r'(?:href|src)="([^"#]+)')
LOC_RE = re.compile(r"<(?:loc|link)>([^<]+)</(?:loc|link)>")
SKIP = ("/admin/", "/accounts/logout/", "/billing/", "/static/")
SEARCHES = [
    SENTINEL,
    f"{SENTINEL}-check",
    "secret",
    "paragraph",
    PREVIEW_MARK,
    "quote inside",
    "phrase row",
    "Item",
    "Start",
]


def sentinel_guides() -> None:
    from articles.models import Track

    for index, track in enumerate(Track.objects.all()):
        make_guide(
            track=track,
            access="premium",
            slug=f"premium-{index}",
            title=f"Premium {index}",
            sections=[
                [("paragraph", f"Open {PREVIEW_MARK} preview of guide {index}.")],
                [
                    ("paragraph", f"Secret {SENTINEL} paragraph {index}."),
                    ("checklist", f"Item {SENTINEL}-check\nAnother item"),
                ],
                [
                    ("quote", f"A quote inside {SENTINEL}-quote."),
                    ("phrases", f"Moment | What to say\nStart | {SENTINEL}-phrase row"),
                ],
            ],
        )
    make_guide(slug="free-one", title="A free guide")


def crawl(client: Client) -> dict[str, str]:
    start = [
        "/",
        "/guides/",
        "/sitemap.xml",
        "/feed/",
        "/robots.txt",
        "/pricing/",
        *(f"/search/?q={q}" for q in SEARCHES),
    ]
    queue, seen, pages = deque(start), set(start), {}
    while queue and len(pages) < 400:
        url = queue.popleft()
        response = client.get(url)
        assert response.status_code in (200, 301, 302, 404), url
        body = response.content.decode()
        pages[url] = body
        for found in LINK_RE.findall(body) + LOC_RE.findall(body):
            parts = urlsplit(urljoin("http://testserver" + url, found.replace("&amp;", "&")))
            if parts.netloc not in ("testserver", "127.0.0.1:8000"):
                continue
            path = parts.path + (f"?{parts.query}" if parts.query else "")
            if path.startswith(SKIP) or path in seen:
                continue
            seen.add(path)
            queue.append(path)
    return pages


def leaks(pages: dict[str, str]) -> list[str]:
    found = []
    for url, body in pages.items():
        # The search page repeats what was typed; that is not a leak.
        text = re.sub(r'value="[^"]*"|“[^”]*”', "", body)
        if SENTINEL in text:
            found.append(url)
    return found


@pytest.mark.django_db
def test_anonymous_crawl_finds_no_premium_text(client: Client) -> None:
    sentinel_guides()
    pages = crawl(client)
    assert len(pages) > 20
    assert any(url.startswith("/guides/premium-") for url in pages)  # the crawl reached them
    assert any(PREVIEW_MARK in body for body in pages.values())  # previews are there
    assert leaks(pages) == []


@pytest.mark.django_db
def test_canceled_subscriber_crawl_finds_no_premium_text(client: Client) -> None:
    sentinel_guides()
    user = UserFactory()
    SubscriptionFactory(user=user, status="canceled", ended_at=timezone.now())
    client.force_login(user)
    pages = crawl(client)
    assert "/account/" in pages
    assert leaks(pages) == []


@pytest.mark.django_db
def test_the_scan_would_catch_a_leak(client: Client, staff) -> None:
    """The same crawl as staff (who may read everything) does find the text: the scan works."""
    sentinel_guides()
    client.force_login(staff)
    assert leaks(crawl(client))
