"""A team is billed to its own Stripe customer, not its manager's: the team's Checkout names a
customer made for the team, its Portal opens on that customer, and the manager's own customer
(their own plan, its trial, its Portal) stays as it was."""

from __future__ import annotations

import re
import urllib.request
from http import HTTPStatus

import pytest
from django.core.management import call_command
from django.test import Client

from accounts.models import User
from billing.models import Customer, Subscription
from mail.models import Email
from mail.outbox import render_email
from teams.models import Team

from ..factories import subscribe

pytestmark = pytest.mark.django_db


@pytest.fixture
def portals(settings, capsys) -> dict[str, str]:
    """The Portal configurations `stripe_setup` makes, set as the operator sets them."""
    call_command("stripe_setup")
    printed = dict(line.split("=", 1) for line in capsys.readouterr().out.split())
    settings.STRIPE_PORTAL_CONFIGURATION = printed["STRIPE_PORTAL_CONFIGURATION"]
    settings.STRIPE_TEAM_PORTAL_CONFIGURATION = printed["STRIPE_TEAM_PORTAL_CONFIGURATION"]
    return {
        "personal": printed["STRIPE_PORTAL_CONFIGURATION"],
        "team": printed["STRIPE_TEAM_PORTAL_CONFIGURATION"],
    }


def subscribe_in_checkout(client: Client, fake_stripe) -> dict:
    """The member subscribes for themselves on the pricing page and pays; the success page
    stores it. Returns the subscription Stripe made."""
    response = client.post("/billing/checkout/", {"plan": "monthly"})
    assert response.status_code == HTTPStatus.SEE_OTHER
    session = next(s for s in fake_stripe.sessions.values() if s["url"] == response["Location"])
    subscription = fake_stripe.complete_checkout(session["id"])
    assert client.get(f"/billing/success/?session_id={session['id']}").status_code == 200
    return subscription


def team_sessions(fake_stripe) -> list[dict]:
    return [s for s in fake_stripe.sessions.values() if s["metadata"].get("team_id")]


def portal_opened(client: Client, path: str, fake_stripe, method: str = "post") -> dict:
    """Open Manage billing at `path`; the Portal session Stripe made."""
    response = getattr(client, method)(path)
    assert response.status_code == HTTPStatus.SEE_OTHER, response
    return next(p for p in fake_stripe.portal_sessions.values() if p["url"] == response["Location"])


def test_a_manager_who_pays_for_themselves_buys_seats_on_the_teams_own_customer(
    manager_client, manager, fake_stripe, buy, post_event
) -> None:
    own = subscribe_in_checkout(manager_client, fake_stripe)
    personal = Customer.objects.get(user=manager)
    assert personal.stripe_customer_id == own["customer"]

    seats = buy(manager_client, seats=3, name="Acme Platform")
    (session,) = team_sessions(fake_stripe)
    team = Team.objects.get(manager=manager)
    # The team's Checkout names a customer made for the team, named as the team.
    assert session["customer"] == team.stripe_customer_id != personal.stripe_customer_id
    assert seats["customer"] == team.stripe_customer_id
    customer = fake_stripe.customers[team.stripe_customer_id]
    assert customer["name"] == "Acme Platform"
    assert customer["email"] == manager.email
    assert customer["metadata"] == {"team_id": str(team.pk), "user_id": str(manager.pk)}

    # Stripe's webhooks for the seats change nothing of the manager's own customer.
    post_event(fake_stripe.event("checkout.session.completed", fake_stripe.sessions[session["id"]]))
    post_event(fake_stripe.event("customer.subscription.created", seats))
    post_event(
        fake_stripe.event(
            "customer.subscription.updated", fake_stripe.change_quantity(seats["id"], 4)
        )
    )
    assert list(Customer.objects.values_list("user_id", "stripe_customer_id")) == [
        (manager.pk, own["customer"])
    ]
    team.refresh_from_db()
    assert team.subscription.stripe_customer_id == team.stripe_customer_id
    assert team.subscription.quantity == 4
    # Each subscription where it belongs: their own plan on the account page, the seats on the
    # team page.
    assert (
        Subscription.objects.get(user=manager, purpose="personal").stripe_customer_id
        == (own["customer"])
    )
    account = manager_client.get("/account/").content.decode()
    assert "Free trial until" in account
    assert 'action="/billing/portal/"' in account
    assert "You manage Acme Platform: 4 seats" in account


def test_each_manage_billing_opens_its_own_customers_portal(
    manager_client, manager, fake_stripe, buy, portals
) -> None:
    own = subscribe_in_checkout(manager_client, fake_stripe)
    buy(manager_client, seats=2)
    team = Team.objects.get(manager=manager)

    team_portal = portal_opened(manager_client, "/teams/billing/", fake_stripe)
    assert team_portal["customer"] == team.stripe_customer_id
    assert team_portal["configuration"] == portals["team"]
    assert team_portal["return_url"].endswith("/teams/")

    own_portal = portal_opened(manager_client, "/billing/portal/", fake_stripe)
    assert own_portal["customer"] == own["customer"] != team.stripe_customer_id
    assert own_portal["configuration"] == portals["personal"]
    # The Portal page Stripe shows the manager is the team's customer's.
    with urllib.request.urlopen(team_portal["url"], timeout=10) as page:
        assert f"Customer {team.stripe_customer_id}" in page.read().decode()


def test_a_second_team_checkout_reuses_the_teams_customer(
    manager_client, manager, fake_stripe, buy, post_event
) -> None:
    # A first Checkout left unpaid, then another from a new form for more seats (the first
    # one expired): one customer for the team.
    for token, count in (("d" * 32, 2), ("e" * 32, 3)):
        response = manager_client.post(
            "/teams/buy/", {"name": "Platform", "seats": count, "plan": "monthly", "token": token}
        )
        assert response.status_code == HTTPStatus.SEE_OTHER
    # Paid, ended, and bought again under a new name: still the team's one customer.
    seats = buy(manager_client, seats=4, name="Platform Guild")
    post_event(
        fake_stripe.event(
            "customer.subscription.deleted", fake_stripe.cancel_subscription(seats["id"])
        )
    )
    buy(manager_client, seats=2, name="Platform Guild")
    team = Team.objects.get(manager=manager)
    assert {s["customer"] for s in team_sessions(fake_stripe)} == {team.stripe_customer_id}
    assert len(team_sessions(fake_stripe)) == 4
    team_customers = [c for c in fake_stripe.customers.values() if c["metadata"].get("team_id")]
    assert [c["id"] for c in team_customers] == [team.stripe_customer_id]
    assert not Customer.objects.filter(user=manager).exists()


def test_the_managers_first_own_subscription_still_gets_the_trial_after_buying_seats(
    manager_client, manager, fake_stripe, buy, post_event
) -> None:
    seats = buy(manager_client, seats=2)
    post_event(fake_stripe.event("customer.subscription.created", seats))
    team = Team.objects.get(manager=manager)
    # The seats gave the manager no customer of their own: the account page offers no Portal
    # of theirs (the seats' billing is on the team page).
    assert not Customer.objects.filter(user=manager).exists()
    account = manager_client.get("/account/").content.decode()
    assert 'action="/billing/portal/"' not in account
    assert "Manage your team" in account

    own = subscribe_in_checkout(manager_client, fake_stripe)
    params = fake_stripe.requests_to("POST", "/v1/checkout/sessions")[-1].params
    assert params["subscription_data"]["trial_period_days"] == "7"
    assert params["customer"] != team.stripe_customer_id
    assert Customer.objects.get(user=manager).stripe_customer_id == params["customer"]
    assert own["status"] == "trialing"
    assert 'action="/billing/portal/"' in manager_client.get("/account/").content.decode()


def test_a_team_bought_before_teams_had_a_customer_still_opens_its_portal(
    manager_client, manager, fake_stripe, portals
) -> None:
    # Then the seats were bought on the manager's own customer, which the Subscription names.
    own_customer = fake_stripe.handle(
        "POST", "/v1/customers", {"email": manager.email}, {"idempotency-key": "old"}
    )[1]
    seats = subscribe(
        manager,
        purpose="team",
        quantity=2,
        stripe_customer_id=own_customer["id"],
        stripe_subscription_id="sub_old_team",
    )
    Team.objects.create(name="Platform", manager=manager, subscription=seats)
    assert "Manage billing" in manager_client.get("/teams/").content.decode()
    portal = portal_opened(manager_client, "/teams/billing/", fake_stripe)
    assert portal["customer"] == own_customer["id"]
    assert portal["configuration"] == portals["team"]


def test_a_failed_team_payment_emails_the_link_to_the_teams_portal(
    manager_client, manager, fake_stripe, buy, post_event
) -> None:
    own = subscribe_in_checkout(manager_client, fake_stripe)
    seats = buy(manager_client, seats=2)
    invoice, _ = fake_stripe.fail_payment(seats["id"])
    post_event(fake_stripe.event("invoice.payment_failed", invoice))
    told = render_email(Email.objects.get(kind="payment_failed"))
    link = re.search(r"https?://\S+/teams/billing/", told.body)
    assert link, told.body
    # The emailed link (a GET) opens the team's Portal, not the manager's own.
    portal = portal_opened(
        manager_client, re.sub(r"^https?://[^/]+", "", link[0]), fake_stripe, "get"
    )
    team = Team.objects.get(manager=manager)
    assert portal["customer"] == team.stripe_customer_id != own["customer"]


def test_a_member_who_manages_no_team_opens_no_team_portal(client, fake_stripe) -> None:
    member = User.objects.create_user(email="ada@example.com", password="x" * 12)
    client.force_login(member)
    assert client.get("/teams/billing/").status_code == HTTPStatus.NOT_FOUND
    assert not fake_stripe.portal_sessions


def test_with_stripe_tax_the_companys_address_and_tax_id_go_on_the_teams_customer(
    manager_client, manager, fake_stripe, buy, settings
) -> None:
    settings.STRIPE_AUTOMATIC_TAX = True
    own = subscribe_in_checkout(manager_client, fake_stripe)
    buy(manager_client, seats=2)
    params = fake_stripe.requests_to("POST", "/v1/checkout/sessions")[-1].params
    assert params["automatic_tax"] == {"enabled": "true"}
    assert params["tax_id_collection"] == {"enabled": "true"}
    # What Checkout collects is saved onto the customer it names: the team's, not theirs.
    assert params["customer_update"] == {"address": "auto", "name": "auto"}
    assert params["customer"] == Team.objects.get(manager=manager).stripe_customer_id
    assert params["customer"] != own["customer"]
