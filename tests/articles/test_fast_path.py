"""The guide page's fast path: per-request cache batching, the user hint cookie and page shells
with per-request holes. What a reader notices: the right page for who they are, working forms
and messages, and a signed-in page that costs one Redis round trip."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import redis
from django.conf import settings
from django.contrib import messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory

from alphacode.cache import USER_HINT_COOKIE, RequestCacheMiddleware, prefetch

from ..factories import UserFactory, make_guide, subscribe
from ..helpers import CSRF_TOKEN


@pytest.fixture
def premium_guide(db):
    return make_guide(
        slug="fast-path",
        access="premium",
        sections=[[("paragraph", f"Section {i} text.")] for i in range(4)],
    )


class RedisCommands:
    """Counts the commands Redis itself served to the test's database (MONITOR), so the count is
    what really crossed the wire, whatever code sent it, and other databases' clients (another
    run on this machine) do not count."""

    def __init__(self) -> None:
        self.client = redis.Redis.from_url(settings.REDIS_URL)
        self.db = self.client.connection_pool.connection_kwargs.get("db", 0)
        # Connected now, so the end marker it sends later brings no connection set-up with it.
        self.marker = redis.Redis.from_url(settings.REDIS_URL)
        self.marker.ping()

    def during(self, action) -> int:
        end = f"end-{uuid.uuid4().hex}"
        with self.client.monitor() as monitor:
            action()
            self.marker.echo(end)
            commands = []
            while (command := monitor.next_command())["command"] != f"ECHO {end}":
                commands.append(command)
        return sum(1 for command in commands if command["db"] == self.db)


@pytest.fixture
def redis_commands() -> Iterator[RedisCommands]:
    commands = RedisCommands()
    yield commands
    commands.client.close()
    commands.marker.close()


@pytest.mark.django_db
def test_a_signed_in_subscribers_warm_guide_page_is_one_redis_round_trip(
    client: Client, premium_guide, redis_commands: RedisCommands
) -> None:
    user = UserFactory()
    subscribe(user)
    client.force_login(user)
    url = premium_guide.get_absolute_url()
    first = client.get(url)
    # The first signed-in response names the user in the hint cookie, as a browser keeps it.
    assert first.cookies[USER_HINT_COOKIE].value == str(user.pk)
    assert first.cookies[USER_HINT_COOKIE]["httponly"]
    client.get(url)  # warm every cache entry

    def read() -> None:
        response = client.get(url)
        assert "Section 3 text." in response.content.decode()

    # One MGET: the session, the user, their access and the content version together.
    assert redis_commands.during(read) == 1
    # Without the hint the session is read first, then the rest: two round trips.
    del client.cookies[USER_HINT_COOKIE]
    assert redis_commands.during(read) == 2


@pytest.mark.django_db
def test_a_forged_user_hint_never_changes_who_is_reading(client: Client, premium_guide) -> None:
    subscriber = UserFactory()
    subscribe(subscriber)
    subscriber_client = Client()
    subscriber_client.force_login(subscriber)
    subscriber_client.get(premium_guide.get_absolute_url())  # subscriber's entries are cached

    reader = UserFactory()
    client.force_login(reader)
    client.cookies[USER_HINT_COOKIE] = str(subscriber.pk)
    response = client.get(premium_guide.get_absolute_url())
    page = response.content.decode()
    assert 'id="paywall"' in page
    assert "Section 3 text." not in page
    # The response puts the hint right.
    assert response.cookies[USER_HINT_COOKIE].value == str(reader.pk)


@pytest.mark.django_db
def test_signing_out_clears_the_user_hint(client: Client, premium_guide) -> None:
    user = UserFactory()
    client.force_login(user)
    client.get(premium_guide.get_absolute_url())
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert response.cookies[USER_HINT_COOKIE].value == ""
    assert response.cookies[USER_HINT_COOKIE]["max-age"] == 0


@pytest.mark.django_db
def test_a_write_during_a_request_is_read_back_not_the_batched_value() -> None:
    cache.set("batched", "old")
    seen: list[object] = []

    def view(request: HttpRequest) -> HttpResponse:
        prefetch(["batched"])
        seen.append(cache.get("batched"))
        cache.set("batched", "new")
        seen.append(cache.get("batched"))
        cache.delete("batched")
        seen.append(cache.get("batched"))
        cache.add("batched", 1)
        prefetch(["batched"])
        cache.incr("batched")
        seen.append(cache.get("batched"))
        return HttpResponse()

    RequestCacheMiddleware(view)(RequestFactory().get("/"))
    assert seen == ["old", "new", None, 2]


@pytest.mark.django_db
def test_the_batch_ends_with_the_request() -> None:
    cache.set("batched", 1)

    def view(request: HttpRequest) -> HttpResponse:
        prefetch(["batched"])
        assert cache.get("batched") == 1
        return HttpResponse()

    RequestCacheMiddleware(view)(RequestFactory().get("/"))
    # Another process changes the value (integers are stored as plain digits).
    other = redis.Redis.from_url(settings.REDIS_URL)
    other.set(cache.make_key("batched"), b"2")
    other.close()
    # Outside a request nothing is kept: the live value is read.
    prefetch(["batched"])
    assert cache.get("batched") == 2


@pytest.mark.django_db
def test_the_paywall_form_of_a_cached_page_carries_a_working_csrf_token(premium_guide) -> None:
    url = premium_guide.get_absolute_url()
    tokens = []
    for _ in range(2):  # the second reader is served from the cached page shell
        browser = Client(enforce_csrf_checks=True)
        browser.force_login(UserFactory())
        page = browser.get(url).content.decode()
        assert "\ue000" not in page
        match = CSRF_TOKEN.search(page)
        assert match, "the signed-in paywall has a subscribe form"
        tokens.append(match.group(1))
        # The token works: sign out with it (a POST that CSRF protects).
        response = browser.post("/accounts/logout/", {"csrfmiddlewaretoken": match.group(1)})
        assert response.status_code == 302
    assert tokens[0] != tokens[1]


@pytest.mark.django_db
def test_a_pending_message_shows_once_on_a_cached_guide_page(client: Client, premium_guide):
    url = premium_guide.get_absolute_url()
    client.get(url)  # the shell is cached without messages
    storage = CookieStorage(RequestFactory().get("/"))
    storage.add(messages.INFO, "Checkout was canceled. Nothing was charged.")
    carrier = HttpResponse()
    storage.update(carrier)
    client.cookies["messages"] = carrier.cookies["messages"].value
    assert "Checkout was canceled." in client.get(url).content.decode()
    assert "Checkout was canceled." not in client.get(url).content.decode()


@pytest.mark.django_db
def test_each_kind_of_reader_gets_their_own_header(client: Client, premium_guide, staff) -> None:
    url = premium_guide.get_absolute_url()
    staff_browser = Client()
    staff_browser.force_login(staff)
    assert ">Admin</a>" in staff_browser.get(url).content.decode()
    member = Client()
    member.force_login(UserFactory())
    member_page = member.get(url).content.decode()
    assert ">Admin</a>" not in member_page
    assert ">Account</a>" in member_page
    visitor_page = client.get(url).content.decode()
    assert ">Sign in</a>" in visitor_page
    assert ">Account</a>" not in visitor_page
