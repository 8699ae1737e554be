"""Query budgets: pages cost a fixed number of queries whatever the amount of content."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from ..factories import GuideFactory, SubscriptionFactory, make_guide

# A guide page on a cold cache (the guide with its track, its patterns, its sections with their
# blocks, items and images, ...); a warm one makes none.
GUIDE_PAGE_BUDGET = 7
# A signed-in reader's page also records the opening and reads their ticks: one query more.
READER_PAGE_BUDGET = GUIDE_PAGE_BUDGET + 1


def big_sections(count: int) -> list[list[tuple[str, str]]]:
    return [
        [
            ("paragraph", f"Paragraph {i}."),
            ("quote", "A quote."),
            ("checklist", "One\nTwo\nThree"),
            ("phrases", "Moment | What to say\nStart | Go."),
        ]
        for i in range(count)
    ]


def queries_for(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context.captured_queries)


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["anonymous", "staff"])
def test_guide_page_query_count_does_not_grow_with_sections(
    who: str, client: Client, staff_client: Client, django_assert_max_num_queries
) -> None:
    browser = staff_client if who == "staff" else client
    budget = READER_PAGE_BUDGET if who == "staff" else GUIDE_PAGE_BUDGET
    small = make_guide(slug="small", sections=big_sections(2))
    large = make_guide(slug="large", sections=big_sections(12))
    with django_assert_max_num_queries(budget):
        browser.get(small.get_absolute_url())
    # A cold cache (first view above) and a warm one both stay in budget.
    with django_assert_max_num_queries(budget):
        browser.get(large.get_absolute_url())
    assert queries_for(browser, small.get_absolute_url()) == queries_for(
        browser, large.get_absolute_url()
    )


@pytest.mark.django_db
def test_subscriber_reading_a_premium_guide_stays_in_budget(
    client: Client, django_assert_max_num_queries
) -> None:
    from ..factories import UserFactory

    user = UserFactory()
    SubscriptionFactory(user=user)
    client.force_login(user)
    guide = make_guide(access="premium", sections=big_sections(10))
    with django_assert_max_num_queries(READER_PAGE_BUDGET):  # cold cache
        assert "Paragraph 9." in client.get(guide.get_absolute_url()).content.decode()
    client.get(guide.get_absolute_url())
    # Warm: the session, the user and their access, and the page all come from the cache.
    assert queries_for(client, guide.get_absolute_url()) == 0


@pytest.mark.django_db
def test_premium_guide_preview_stays_in_budget(client: Client, django_assert_max_num_queries):
    guide = make_guide(access="premium", sections=big_sections(8))
    with django_assert_max_num_queries(GUIDE_PAGE_BUDGET):
        assert client.get(guide.get_absolute_url()).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "budget"),
    # The sitemap: a count and a page of rows per section (guides, tracks, problems, patterns).
    [("/", 5), ("/guides/", 5), ("/tracks/coding/", 5), ("/feed/", 5), ("/sitemap.xml", 8)],
)
def test_listing_query_count_does_not_grow_with_guides(
    url: str, budget: int, client: Client
) -> None:
    from django.core.cache import cache

    GuideFactory.create_batch(3)
    cache.clear()
    few = queries_for(client, url)
    GuideFactory.create_batch(30)
    cache.clear()
    assert queries_for(client, url) == few
    assert few <= budget


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/", "/guides/", "/tracks/coding/"])
def test_cached_listings_cost_no_queries_and_show_edits_at_once(
    url: str, client: Client, django_capture_on_commit_callbacks
) -> None:
    make_guide(title="First guide", slug="first")
    queries_for(client, url)
    # Warm: served from the page's shell, the track page included.
    assert queries_for(client, url) == 0
    with django_capture_on_commit_callbacks(execute=True):  # as when the editor's save commits
        make_guide(title="A guide published just now", slug="just-now")
    assert "A guide published just now" in client.get(url).content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/guides/", "/tracks/coding/"])
def test_listing_pages_count_guides_once(url: str, client: Client) -> None:
    """The track menu's counts also give the paginator its total: one count, not two."""
    from django.core.cache import cache

    GuideFactory.create_batch(30)  # 3 pages of 12
    cache.clear()
    with CaptureQueriesContext(connection) as context:
        page = client.get(f"{url}?page=3").content.decode()
    counts = [q["sql"] for q in context.captured_queries if "COUNT(" in q["sql"].upper()]
    assert len(counts) == 1, counts
    assert "Page 3 of 3" in page
    assert page.count('class="card"') == 6
