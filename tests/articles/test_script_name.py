"""A request cannot choose the site's URLs. A SCRIPT_NAME that reaches the WSGI environ (sent
as a header by a client the server wrongly trusts) must not go into any link, least of all into
the pages and URL tables that are cached and served to every other reader."""

from __future__ import annotations

from http import HTTPStatus

import pytest
from django.test import Client

from alphacode.context_processors import site_urls

from ..conftest import SEED_SLUG, signed_in
from ..factories import SubscriptionFactory, UserFactory

PAGES = [
    "/",
    "/guides/",
    "/tracks/ml-ai-engineering/",
    f"/guides/{SEED_SLUG}/",
    "/search/?q=prompting",
    "/pricing/",
    "/feed/",
    "/sitemap.xml",
]


@pytest.mark.django_db
def test_a_smuggled_script_name_reaches_no_page_cached_or_not(seed_guide) -> None:
    site_urls.cache_clear()  # a worker that has just started: nothing reversed yet
    poisoner = Client()
    subscriber = signed_in(SubscriptionFactory(user=UserFactory()).user)
    for url in PAGES:
        for client in (poisoner, subscriber):
            response = client.get(url, SCRIPT_NAME="/zz")
            assert response.status_code == HTTPStatus.OK, url
            assert b"/zz/" not in response.content, url

    later_readers = [Client(), signed_in(SubscriptionFactory(user=UserFactory()).user)]
    for url in PAGES:
        for client in later_readers:
            response = client.get(url)
            assert response.status_code == HTTPStatus.OK, url
            assert b"/zz/" not in response.content, url
            assert f"/guides/{SEED_SLUG}/".encode() in response.content or url == "/pricing/"
    assert not any(url.startswith("/zz") for url in site_urls().values())
