"""Fixtures for the teams tests: a manager who buys seats through the real SDK and the fake
Stripe, invites that are read from the emails they record, and members who accept them."""

from __future__ import annotations

import re
from collections.abc import Callable
from http import HTTPStatus

import pytest
from django.test import Client

from accounts.models import User
from articles.models import Guide
from mail.models import Email
from mail.outbox import render_email

from ..factories import UserFactory, make_guide


@pytest.fixture
def annual_price(fake_stripe, settings) -> dict:
    price = fake_stripe.add_price(amount=19000, lookup_key="alphacode-annual", interval="year")
    settings.STRIPE_ANNUAL_PRICE_ID = price["id"]
    return price


@pytest.fixture
def manager(db) -> User:
    return UserFactory(email="boss@example.com")


@pytest.fixture
def manager_client(manager: User) -> Client:
    client = Client()
    client.force_login(manager)
    return client


@pytest.fixture
def premium_guide(db) -> Guide:
    return make_guide(access=Guide.Access.PREMIUM, title="Premium for teams", slug="team-premium")


def reads_premium(client: Client, guide: Guide) -> bool:
    """Whether the guide page opens in full for this client (no paywall)."""
    page = client.get(guide.get_absolute_url())
    assert page.status_code == HTTPStatus.OK
    return 'id="paywall"' not in page.content.decode()


@pytest.fixture
def buy(fake_stripe) -> Callable[..., dict]:
    """Buy seats on /teams/ and pay on Checkout; back on /teams/ the session is synced at once.
    Returns the subscription Stripe made."""

    def run(client: Client, *, seats: int, plan: str = "monthly", name: str = "Platform") -> dict:
        form = client.get("/teams/").content.decode()
        token = re.search(r'name="token" value="([0-9a-f]{32})"', form)
        assert token, form
        response = client.post(
            "/teams/buy/", {"name": name, "seats": seats, "plan": plan, "token": token[1]}
        )
        assert response.status_code == HTTPStatus.SEE_OTHER, response.content
        session = next(s for s in fake_stripe.sessions.values() if s["url"] == response["Location"])
        subscription = fake_stripe.complete_checkout(session["id"])
        back = client.get(f"/teams/?session_id={session['id']}")
        assert back.status_code == HTTPStatus.FOUND
        return subscription

    return run


def invite_link(address: str) -> str:
    """The accept link in the newest invite email to this address, as the email says it."""
    email = Email.objects.filter(kind="team_invite", to=address).order_by("-pk").first()
    assert email is not None, f"no invite to {address}"
    body = render_email(email).body
    found = re.search(r"https?://\S+/teams/join/\S+/", body)
    assert found, body
    return found[0]


def path_of(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


@pytest.fixture
def join() -> Callable[[User, str], Client]:
    """A member signed in who opens their invite link and accepts it."""

    def run(user: User, address: str | None = None) -> Client:
        client = Client()
        client.force_login(user)
        path = path_of(invite_link(address or user.email))
        assert client.get(path).status_code == HTTPStatus.OK
        response = client.post(path)
        assert response.status_code == HTTPStatus.FOUND
        assert response["Location"] == "/teams/"
        return client

    return run
