"""Every reader page is served from a shell shared by many readers (pages.shells): home, the
library at every page number, track pages, search and the guide page. What a reader notices:
their own header, their own "Continue reading", their own messages, forms that work with their
own token, and never a subscriber's text in a visitor's page, whoever asked first."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.contrib import messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.urls import reverse

from ..conftest import signed_in
from ..factories import SubscriptionFactory, UserFactory, make_guide
from ..helpers import CSRF_TOKEN

SHELL_PAGES = ["/", "/guides/", "/guides/?page=2", "/tracks/coding/", "/search/?q=guide"]
NONCE = re.compile(r'<script [^>]*nonce="([^"]+)"')
TITLE = re.compile(r'<h3 class="card-title"><a href="[^"]*">([^<]+)</a>')


@pytest.fixture
def library(db) -> list[str]:
    """Enough guides for three library pages, newest first as the library lists them."""
    guides = [make_guide(title=f"Listed guide {n:02d}", slug=f"listed-{n:02d}") for n in range(30)]
    return [g.title for g in sorted(guides, key=lambda g: g.published_at, reverse=True)]


def message_cookie(text: str) -> str:
    storage = CookieStorage(RequestFactory().get("/"))
    storage.add(messages.INFO, text)
    carrier = HttpResponse()
    storage.update(carrier)
    return carrier.cookies["messages"].value


@pytest.mark.django_db
@pytest.mark.parametrize("url", SHELL_PAGES)
def test_each_kind_of_reader_gets_their_own_header_whoever_asked_first(url: str, library) -> None:
    staff = signed_in(UserFactory(is_staff=True))
    member = signed_in(UserFactory())
    visitor = Client()
    for _ in range(2):  # the second round is served from the shells the first built
        visitor_page = visitor.get(url).content.decode()
        assert ">Sign in</a>" in visitor_page
        assert ">Account</a>" not in visitor_page
        member_page = member.get(url).content.decode()
        assert ">Account</a>" in member_page
        assert ">Sign in</a>" not in member_page
        assert ">Admin</a>" not in member_page
        assert ">Admin</a>" in staff.get(url).content.decode()


@pytest.mark.django_db
def test_continue_reading_on_home_is_each_readers_own(client: Client) -> None:
    first, second = make_guide(title="Heaps for interviews"), make_guide(title="Graphs, calmly")
    alice, bob = signed_in(UserFactory()), signed_in(UserFactory())
    assert "Continue reading" not in alice.get("/").content.decode()  # nothing opened yet
    alice.get(first.get_absolute_url())
    bob.get(second.get_absolute_url())
    alice_home, bob_home = alice.get("/").content.decode(), bob.get("/").content.decode()
    assert 'id="continue-heading"' in alice_home
    assert 'id="continue-heading"' in bob_home
    assert f'href="{first.get_absolute_url()}">Heaps for interviews</a>' in alice_home
    assert f'href="{second.get_absolute_url()}">Graphs, calmly</a>' in bob_home
    assert (
        f'href="{second.get_absolute_url()}">' not in alice_home.split("continue-heading")[1][:400]
    )
    assert "Continue reading" not in client.get("/").content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("url", SHELL_PAGES)
def test_a_pending_message_shows_once_and_only_to_its_reader(url: str, library) -> None:
    reader, other = Client(), Client()
    reader.get(url)  # the shell is built without messages
    reader.cookies["messages"] = message_cookie("Checkout was canceled. Nothing was charged.")
    assert "Checkout was canceled." in reader.get(url).content.decode()
    assert "Checkout was canceled." not in reader.get(url).content.decode()
    assert "Checkout was canceled." not in other.get(url).content.decode()


@pytest.mark.django_db
def test_every_library_page_number_lists_its_own_guides(library: list[str]) -> None:
    per_page = settings.GUIDES_PER_PAGE
    for browser in (Client(), signed_in(UserFactory()), Client()):  # built, then from shells
        pages = [
            TITLE.findall(browser.get(f"/guides/?page={n}").content.decode()) for n in (1, 2, 3)
        ]
        assert pages == [
            library[:per_page],
            library[per_page : 2 * per_page],
            library[2 * per_page :],
        ]
        # A page past the end shows the last page; junk shows the first.
        assert TITLE.findall(browser.get("/guides/?page=9999").content.decode()) == pages[2]
        assert TITLE.findall(browser.get("/guides/?page=x").content.decode()) == pages[0]
        assert TITLE.findall(browser.get("/tracks/coding/?page=2").content.decode()) == pages[1]


@pytest.mark.django_db
def test_a_visitors_search_never_shows_what_a_subscribers_search_found(client: Client) -> None:
    make_guide(
        title="Premium depths",
        access="premium",
        preview_sections=1,
        sections=[[("paragraph", "Open text.")], [("paragraph", "Zebracorn past the cut.")]],
    )
    subscriber = UserFactory()
    SubscriptionFactory(user=subscriber)
    url = "/search/?q=zebracorn"
    assert ">Premium depths</a>" in signed_in(subscriber).get(url).content.decode()
    for browser in (client, signed_in(UserFactory())):  # a visitor; a member without access
        page = browser.get(url).content.decode()
        assert "Premium depths" not in page
        assert "past the cut" not in page


@pytest.mark.django_db
def test_a_visitors_guide_page_holds_no_premium_text_after_a_subscriber_read_it(client) -> None:
    guide = make_guide(
        access="premium",
        preview_sections=1,
        sections=[[("paragraph", "Open text.")], [("paragraph", "Subscribers only text.")]],
    )
    subscriber = UserFactory()
    SubscriptionFactory(user=subscriber)
    subscriber_page = signed_in(subscriber).get(guide.get_absolute_url()).content.decode()
    assert "Subscribers only text." in subscriber_page
    assert 'id="paywall"' not in subscriber_page
    for browser in (client, signed_in(UserFactory())):
        page = browser.get(guide.get_absolute_url()).content.decode()
        assert "Subscribers only text." not in page
        assert 'id="paywall"' in page


@pytest.mark.django_db
def test_each_reader_of_one_shell_gets_their_own_working_token_and_nonce() -> None:
    guide = make_guide(sections=[[("checklist", "- [ ] Say the invariant out loud")]])
    tokens, nonces = [], []
    for _ in range(2):  # the second reader is served from the shell the first built
        browser = Client(enforce_csrf_checks=True)
        browser.force_login(UserFactory())
        response = browser.get(guide.get_absolute_url())
        page = response.content.decode()
        found = set(CSRF_TOKEN.findall(page))
        assert len(found) == 1, "one token for the checklist and the finish form"
        nonce = NONCE.search(page).group(1)
        assert f"'nonce-{nonce}'" in response["Content-Security-Policy"]
        finished = browser.post(
            reverse("study:finish"),
            {"csrfmiddlewaretoken": found.pop(), "guide": guide.pk, "finished": "1"},
        )
        assert finished.status_code == 302
        assert (
            "You marked this guide finished."
            in browser.get(guide.get_absolute_url()).content.decode()
        )
        tokens.append(CSRF_TOKEN.search(page).group(1))
        nonces.append(nonce)
    assert tokens[0] != tokens[1]
    assert nonces[0] != nonces[1]
