"""A team's seats are bought once: a second tab (or form) while the team's Checkout is open is
sent back to that same Checkout, one that changed the seats or plan expires it first, one
after it was paid finds the seats bought, and one after it expired gets a new Checkout. A
second live subscription for a team (paid another way) is logged and shown to its manager."""

from __future__ import annotations

import logging
import re
import threading
import time
import urllib.request
from http import HTTPStatus

import pytest
from django.test import Client

from billing.models import Subscription
from stats.figures import now_figures
from teams.models import Team

pytestmark = pytest.mark.django_db


def open_tab(client: Client) -> str:
    """The buy form's token, as a new tab on /teams/ gets it."""
    form = client.get("/teams/").content.decode()
    token = re.search(r'name="token" value="([0-9a-f]{32})"', form)
    assert token, form
    return token[1]


def submit(client: Client, token: str, *, seats: int = 3, plan: str = "monthly") -> str:
    """Post a tab's buy form; where it sends the manager."""
    response = client.post(
        "/teams/buy/", {"name": "Platform", "seats": seats, "plan": plan, "token": token}
    )
    assert response.status_code in (HTTPStatus.SEE_OTHER, HTTPStatus.FOUND), response.content
    return response["Location"]


def session_at(fake_stripe, url: str) -> dict:
    return next(s for s in fake_stripe.sessions.values() if s["url"] == url)


def test_two_tabs_while_the_first_checkout_is_open_share_it_and_pay_once(
    manager_client, manager, fake_stripe
) -> None:
    first, second = open_tab(manager_client), open_tab(manager_client)
    first_url = submit(manager_client, first)
    second_url = submit(manager_client, second)
    # The second tab goes to the same Checkout: no second session, nothing to pay twice.
    assert second_url == first_url
    assert len(fake_stripe.sessions) == 1
    session = session_at(fake_stripe, first_url)
    # Both tabs pay: the one session is paid once, and makes one subscription.
    fake_stripe.complete_checkout(session["id"])
    fake_stripe.complete_checkout(session["id"])
    assert len(fake_stripe.subscriptions) == 1
    manager_client.get(f"/teams/?session_id={session['id']}")
    team = Team.objects.get(manager=manager)
    assert team.subscription.stripe_subscription_id == next(iter(fake_stripe.subscriptions))
    assert Subscription.objects.count() == 1


def test_a_tab_with_other_seats_expires_the_open_checkout_first(
    manager_client, manager, fake_stripe, annual_price
) -> None:
    first, second = open_tab(manager_client), open_tab(manager_client)
    first_url = submit(manager_client, first, seats=3)
    second_url = submit(manager_client, second, seats=5, plan="annual")
    assert second_url != first_url
    old, new = session_at(fake_stripe, first_url), session_at(fake_stripe, second_url)
    (expired,) = [r.path for r in fake_stripe.requests if r.path.endswith("/expire")]
    assert expired == f"/v1/checkout/sessions/{old['id']}/expire"
    assert old["status"] == "expired"
    # The first tab's Checkout can no longer be paid: Stripe's page says it has expired.
    with urllib.request.urlopen(first_url, timeout=10) as page:
        assert "has expired" in page.read().decode()
    assert not fake_stripe.subscriptions
    fake_stripe.complete_checkout(new["id"])
    manager_client.get(f"/teams/?session_id={new['id']}")
    team = Team.objects.get(manager=manager)
    assert (team.subscription.quantity, team.subscription.interval) == (5, "year")
    assert len(fake_stripe.subscriptions) == 1


def test_a_tab_after_the_checkout_was_paid_finds_the_seats_bought(
    manager_client, manager, fake_stripe
) -> None:
    first, second = open_tab(manager_client), open_tab(manager_client)
    session = session_at(fake_stripe, submit(manager_client, first))
    # Paid in the first tab; the manager never came back to /teams/ and no webhook came yet.
    fake_stripe.complete_checkout(session["id"])
    response = manager_client.post(
        "/teams/buy/",
        {"name": "Platform", "seats": 3, "plan": "monthly", "token": second},
        follow=True,
    )
    page = response.content.decode()
    assert "Platform’s seats are bought already" in page
    assert "<dt>Free</dt><dd>3</dd>" in page
    assert len(fake_stripe.sessions) == 1
    team = Team.objects.get(manager=manager)
    assert team.subscription.stripe_subscription_id == session["subscription"]


def test_a_checkout_paid_while_another_tab_expires_it_is_kept_and_not_sold_again(
    manager_client, manager, fake_stripe
) -> None:
    first, second = open_tab(manager_client), open_tab(manager_client)
    session = session_at(fake_stripe, submit(manager_client, first, seats=3))
    expire = f"/v1/checkout/sessions/{session['id']}/expire"
    # The first tab pays just as the second (other seats) asks Stripe to expire its Checkout.
    fake_stripe.delays[expire] = 0.5

    def pay_on_arrival() -> None:
        deadline = time.monotonic() + 10
        while expire not in fake_stripe.arrivals and time.monotonic() < deadline:
            time.sleep(0.01)
        fake_stripe.complete_checkout(session["id"])

    payer = threading.Thread(target=pay_on_arrival)
    payer.start()
    response = manager_client.post(
        "/teams/buy/",
        {"name": "Platform", "seats": 5, "plan": "monthly", "token": second},
        follow=True,
    )
    payer.join(timeout=10)
    # Stripe refused to expire it (paid): the site looked again, synced it, and made no other.
    assert fake_stripe.requests_to("POST", expire)
    assert fake_stripe.sessions[session["id"]]["status"] == "complete"
    page = response.content.decode()
    assert "Platform’s seats are bought already" in page
    assert "<dt>Free</dt><dd>3</dd>" in page
    assert len(fake_stripe.sessions) == 1
    assert Team.objects.get(manager=manager).subscription.quantity == 3


def test_a_checkout_that_expired_is_replaced_by_a_new_one(
    manager_client, manager, fake_stripe
) -> None:
    token = open_tab(manager_client)
    old = session_at(fake_stripe, submit(manager_client, token))
    fake_stripe.expire_checkout(old["id"])  # a day on, unpaid
    # The same form sent again: a new Checkout (not Stripe's stored answer of the old one).
    new = session_at(fake_stripe, submit(manager_client, token))
    assert new["id"] != old["id"]
    assert new["status"] == "open"
    fake_stripe.complete_checkout(new["id"])
    manager_client.get(f"/teams/?session_id={new['id']}")
    assert Team.objects.get(manager=manager).subscription.quantity == 3


def paid_again(fake_stripe, team: Team, *, quantity: int) -> dict:
    """Seats paid a second time outside this site's Checkout (a Checkout made before it kept
    one per team): a live subscription naming the team, on the team's customer."""
    price = next(iter(fake_stripe.prices.values()))
    second = fake_stripe.subscription_object(
        customer=team.stripe_customer_id,
        price=price,
        metadata={"team_id": str(team.pk), "user_id": str(team.manager_id)},
        quantity=quantity,
    )
    fake_stripe.subscriptions[second["id"]] = second
    return second


def test_a_second_live_team_subscription_is_logged_and_shown_to_the_manager(
    manager_client, manager, fake_stripe, buy, post_event, caplog
) -> None:
    seats = buy(manager_client, seats=3)
    team = Team.objects.get(manager=manager)
    second = paid_again(fake_stripe, team, quantity=2)
    with caplog.at_level(logging.ERROR, logger="teams.services"):
        post_event(fake_stripe.event("customer.subscription.created", second))
    (logged,) = [r for r in caplog.records if r.name == "teams.services"]
    assert logged.levelno == logging.ERROR
    assert seats["id"] in logged.getMessage()
    assert second["id"] in logged.getMessage()
    # The team keeps its first subscription; the manager is told to cancel the second.
    team.refresh_from_db()
    assert team.subscription.stripe_subscription_id == seats["id"]
    page = manager_client.get("/teams/").content.decode()
    assert "A second subscription for Platform" in page
    assert "(2 seats) is billed by Stripe but gives no seats" in page
    assert "Cancel it in Manage billing" in page
    # The dashboard counts one paying team (the money of both, as Stripe charges both).
    assert now_figures().teams == 1
    # Canceled in the Portal, it is said to end; once ended, it is gone from the page.
    post_event(
        fake_stripe.event(
            "customer.subscription.updated",
            fake_stripe.cancel_in_portal(second["id"], feedback=None, comment=None),
        )
    )
    page = manager_client.get("/teams/").content.decode()
    assert "Cancel it in Manage billing" not in page
    assert "is canceled: it ends on" in page
    post_event(
        fake_stripe.event(
            "customer.subscription.deleted", fake_stripe.cancel_subscription(second["id"])
        )
    )
    page = manager_client.get("/teams/").content.decode()
    assert "A second subscription" not in page
    assert "<dt>Paid</dt><dd>3 " in page


def test_the_second_subscription_gives_the_seats_once_the_first_has_ended(
    manager_client, manager, fake_stripe, buy, post_event
) -> None:
    first = buy(manager_client, seats=3)
    team = Team.objects.get(manager=manager)
    second = paid_again(fake_stripe, team, quantity=2)
    post_event(fake_stripe.event("customer.subscription.created", second))
    # The manager canceled the first one instead: the team does not stop paying for nothing.
    post_event(
        fake_stripe.event(
            "customer.subscription.deleted", fake_stripe.cancel_subscription(first["id"])
        )
    )
    team.refresh_from_db()
    assert team.subscription.stripe_subscription_id == second["id"]
    page = manager_client.get("/teams/").content.decode()
    assert "<dt>Paid</dt><dd>2 " in page
    assert "A second subscription" not in page
