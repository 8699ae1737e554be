"""Fixtures for gifts: a signed-in giver, and buying a gift through the form, the fake Stripe's
Checkout and the signed webhook, as a member does."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from http import HTTPStatus
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.test import Client

from accounts.models import User
from gifts.models import Gift

from ..factories import UserFactory

REDEEM_LINK = re.compile(r"https?://\S+/gift/redeem/[^/\s]+/")


def gift_form(**overrides: str) -> dict[str, str]:
    """The gift form as a member fills it in: 3 months for friend@example.com, sent now."""
    return {
        "token": uuid.uuid4().hex,
        "months": "3",
        "recipient_email": "friend@example.com",
        "message": "Good luck with the interviews!",
        "when": "now",
    } | overrides


def redeem_path_in_mail(to: str) -> str:
    """The redeem link's path in the last email sent to this address."""
    (message,) = [m for m in mail.outbox if m.to == [to] and "gave you" in m.subject][-1:]
    found = REDEEM_LINK.search(message.body)
    assert found, message.body
    return urlsplit(found.group(0)).path


@pytest.fixture
def giver(client: Client, db) -> User:
    user = UserFactory(email="grace@example.com", name="Grace Hopper")
    client.force_login(user)
    return user


@pytest.fixture
def buy(client: Client, giver: User, fake_stripe, post_event) -> Callable[..., Gift]:
    """Buy a gift as the giver: the form, Checkout paid on the fake Stripe, and Stripe's signed
    checkout.session.completed delivered to the webhook."""

    def buy(**overrides: str) -> Gift:
        response = client.post("/gift/", gift_form(**overrides))
        assert response.status_code == HTTPStatus.SEE_OTHER, response.content.decode()
        session_id = response["Location"].rsplit("/", 1)[1]
        fake_stripe.complete_payment(session_id)
        event = fake_stripe.event("checkout.session.completed", fake_stripe.sessions[session_id])
        assert post_event(event).status_code == HTTPStatus.OK
        return Gift.objects.get(stripe_checkout_session_id=session_id)

    return buy
