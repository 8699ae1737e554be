"""The teams' emails read a team's name and the addresses in it as they were written: plain
text is not HTML, so `&`, `<` and `'` stay themselves there, and only the HTML part escapes
them."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from mail.models import Email
from mail.outbox import render_email

from ..factories import UserFactory

pytestmark = pytest.mark.django_db

NAME = "R&D <Ops>"
MANAGER = "o'neil@example.com"
ENTITY = re.compile(r"&(amp|lt|gt|quot|#x?[0-9a-fA-F]+);")


@pytest.fixture
def odd_manager_client() -> Client:
    client = Client()
    client.force_login(UserFactory(email=MANAGER))
    return client


def test_the_invite_reads_the_team_and_manager_as_written(
    odd_manager_client, fake_stripe, buy
) -> None:
    buy(odd_manager_client, seats=2, name=NAME)
    odd_manager_client.post("/teams/invite/", {"emails": "ada@example.com"})
    sent = render_email(Email.objects.get(kind="team_invite"))
    assert sent.subject == "You're invited to R&D <Ops> on Alpha Code"
    assert "o'neil@example.com invites you to a seat in R&D <Ops> on Alpha Code" in sent.body, (
        sent.body
    )
    assert not ENTITY.search(sent.body), sent.body
    html = sent.alternatives[0].content
    assert "R&amp;D &lt;Ops&gt;" in html
    # (The inliner writes the HTML out again: an apostrophe in text needs no escaping there.)
    assert "o'neil@example.com invites you" in html
    assert "<Ops>" not in html


def test_every_team_email_reads_names_and_addresses_as_written(
    odd_manager_client, fake_stripe, buy, post_event
) -> None:
    subscription = buy(odd_manager_client, seats=3, name=NAME)
    post_event(fake_stripe.event("customer.subscription.created", subscription))
    odd_manager_client.post(
        "/teams/invite/", {"emails": "ada@example.com\no'hara@example.com\nzed&co@example.com"}
    )
    # Down to one seat in the Portal: the newest invites are canceled (the newest first), and
    # the manager is told.
    post_event(
        fake_stripe.event(
            "customer.subscription.updated", fake_stripe.change_quantity(subscription["id"], 1)
        )
    )
    post_event(
        fake_stripe.event(
            "customer.subscription.deleted", fake_stripe.cancel_subscription(subscription["id"])
        )
    )
    kinds = set(Email.objects.filter(kind__startswith="team_").values_list("kind", flat=True))
    assert kinds == {"team_invite", "team_seats_reduced", "team_started", "team_canceled"}
    for email in Email.objects.filter(kind__startswith="team_"):
        sent = render_email(email)
        assert not ENTITY.search(sent.subject), (email.kind, sent.subject)
        assert not ENTITY.search(sent.body), (email.kind, sent.body)
    reduced = render_email(Email.objects.get(kind="team_seats_reduced"))
    assert reduced.subject == "R&D <Ops> now has 1 seat"
    assert "Invites canceled: zed&co@example.com, o'hara@example.com" in reduced.body
    assert "R&amp;D &lt;Ops&gt; now has 1 seat" in reduced.alternatives[0].content
