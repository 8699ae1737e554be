"""Two plans and a first-week trial: the pricing page offers monthly and annual, Checkout sells
the one chosen (with a 7-day trial for a first subscription only), a trial converts or ends,
and its reminder is sent once."""

from __future__ import annotations

import datetime as dt
from http import HTTPStatus

import pytest
from django.core import mail
from django.test import Client

from billing import entitlements
from billing.models import Customer, Subscription
from mail.models import Email

from ..factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def annual_price(fake_stripe, settings) -> dict:
    price = fake_stripe.add_price(amount=19000, lookup_key="alphacode-annual", interval="year")
    settings.STRIPE_ANNUAL_PRICE_ID = price["id"]
    return price


@pytest.fixture
def member(client: Client):
    user = UserFactory(email="ada@example.com")
    client.force_login(user)
    return user


def day(timestamp: int) -> str:
    """A Stripe timestamp as the site writes a day: "14 Dec 2026"."""
    value = dt.datetime.fromtimestamp(timestamp, dt.UTC)
    return f"{value.day} {value:%b %Y}"


def checkout(client: Client, fake_stripe, plan: str) -> tuple[dict, dict]:
    """Subscribe to the plan from the pricing page and pay on Checkout: (the Checkout Session's
    parameters as Stripe received them, the subscription Stripe made)."""
    response = client.post("/billing/checkout/", {"plan": plan})
    assert response.status_code == HTTPStatus.SEE_OTHER
    request = fake_stripe.requests_to("POST", "/v1/checkout/sessions")[-1]
    session = next(s for s in fake_stripe.sessions.values() if s["url"] == response["Location"])
    return request.params, fake_stripe.complete_checkout(session["id"])


def account_page(client: Client) -> str:
    return client.get("/account/").content.decode()


# --- Checkout sells the plan chosen --------------------------------------------------------------


@pytest.mark.parametrize(("plan", "amount"), [("monthly", 1900), ("annual", 19000)])
def test_checkout_sells_the_plan_chosen_with_a_trial_for_a_first_subscription(
    client, member, fake_stripe, annual_price, plan, amount
) -> None:
    params, subscription = checkout(client, fake_stripe, plan)
    (line,) = params["line_items"]
    assert fake_stripe.prices[line["price"]]["unit_amount"] == amount
    assert line["quantity"] == "1"
    assert params["subscription_data"] == {
        "metadata": {"user_id": str(member.pk)},
        "trial_period_days": "7",
    }
    assert params["customer"] == Customer.objects.get(user=member).stripe_customer_id
    assert subscription["status"] == "trialing"


def test_a_member_who_has_subscribed_before_starts_without_a_trial(
    client, member, fake_stripe, annual_price
) -> None:
    _, first = checkout(client, fake_stripe, "monthly")
    client.get(f"/billing/success/?session_id={next(iter(fake_stripe.sessions))}")
    fake_stripe.cancel_subscription(first["id"])
    from billing.subscriptions import subscription_sync

    subscription_sync(stripe_subscription_id=first["id"])
    assert "there is no free trial this time" in client.get("/pricing/").content.decode()

    params, second = checkout(client, fake_stripe, "annual")
    assert "trial_period_days" not in params["subscription_data"]
    assert params["line_items"][0]["price"] == annual_price["id"]
    assert second["status"] == "active"


def test_a_subscription_of_the_members_stripe_customer_counts_as_subscribing_before(
    client, member, fake_stripe
) -> None:
    # Our records tie this customer to a subscription kept under another account.
    Customer.objects.create(user=member, stripe_customer_id="cus_known")
    fake_stripe.customers["cus_known"] = {"id": "cus_known", "object": "customer"}
    Subscription.objects.create(
        user=UserFactory(),
        stripe_subscription_id="sub_old",
        stripe_customer_id="cus_known",
        status="canceled",
    )
    params, _ = checkout(client, fake_stripe, "monthly")
    assert "trial_period_days" not in params["subscription_data"]


def test_a_subscriber_by_the_same_email_elsewhere_does_not_cost_a_new_member_the_trial(
    client, fake_stripe
) -> None:
    # Stripe has a customer with this address who paid before; we never map by email.
    fake_stripe.customers["cus_stranger"] = {"id": "cus_stranger", "email": "new@example.com"}
    client.force_login(UserFactory(email="new@example.com"))
    params, _ = checkout(client, fake_stripe, "monthly")
    assert params["subscription_data"]["trial_period_days"] == "7"


@pytest.mark.parametrize("plan", ["weekly", "", "Monthly", "annual ", "monthly,annual"])
def test_an_unknown_plan_is_a_clear_400_and_asks_nothing_of_stripe(
    client, member, fake_stripe, annual_price, plan
) -> None:
    response = client.post("/billing/checkout/", {"plan": plan})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "Unknown plan: choose monthly or annual." in response.content.decode()
    assert not fake_stripe.requests


def test_a_form_naming_no_plan_sells_the_monthly_one(client, member, fake_stripe) -> None:
    client.post("/billing/checkout/", {"token": "c" * 32})
    (request,) = fake_stripe.requests_to("POST", "/v1/checkout/sessions")
    assert request.params["line_items"][0]["price"] == next(iter(fake_stripe.prices))


def test_the_annual_plan_without_its_price_configured_is_not_sold(
    client, member, fake_stripe
) -> None:
    response = client.post("/billing/checkout/", {"plan": "annual"}, follow=True)
    assert "The annual plan is not offered on this site yet." in response.content.decode()
    assert not fake_stripe.sessions
    html = client.get("/pricing/").content.decode()
    assert 'name="plan" value="monthly"' in html
    assert 'value="annual"' not in html


def test_one_form_token_for_both_plans_makes_one_session_each(
    client, member, fake_stripe, annual_price
) -> None:
    for plan in ("monthly", "annual", "monthly"):
        response = client.post("/billing/checkout/", {"plan": plan, "token": "d" * 32})
        assert response.status_code == HTTPStatus.SEE_OTHER
    assert len(fake_stripe.sessions) == 2


# --- The pricing page --------------------------------------------------------------------------


def test_the_pricing_page_offers_both_plans_the_saving_and_the_trial(
    client, fake_stripe, annual_price
) -> None:
    html = client.get("/pricing/").content.decode()
    assert "<strong>$19</strong> a month" in html
    assert "<strong>$190</strong> a year, billed yearly: two months free" in html
    assert "Your first subscription starts with 7 days free." in html
    client.force_login(UserFactory())
    html = client.get("/pricing/").content.decode()
    assert 'name="plan" value="monthly"' in html
    assert 'name="plan" value="annual"' in html
    assert "Start 7 days free, then $19/month" in html
    assert "Start 7 days free, then $190/year" in html


# --- A trial converts, or ends ---------------------------------------------------------------


def test_a_trial_that_converts(client, member, fake_stripe, annual_price, post_event) -> None:
    _, sub = checkout(client, fake_stripe, "annual")
    post_event(fake_stripe.event("customer.subscription.created", sub))
    assert entitlements.can_read_premium(member)  # trialing gives access
    html = account_page(client)
    assert "Alpha Code annual ($190/year)" in html
    assert f"Free trial until {day(sub['trial_end'])}, first payment then" in html
    (started,) = mail.outbox
    assert "Alpha Code annual, $190.00 a year" in started.body
    assert f"Your trial ends and the first payment is taken on {day(sub['trial_end'])}" in (
        started.body
    )

    active = fake_stripe.end_trial(sub["id"])
    post_event(fake_stripe.event("customer.subscription.updated", active))
    post_event(fake_stripe.event("invoice.paid", fake_stripe.invoice(sub["id"])))
    entitlements.forget(member)
    assert entitlements.can_read_premium(member)
    renews = day(active["items"]["data"][0]["current_period_end"])
    assert f"Active, renews {renews}" in account_page(client)
    assert Subscription.objects.get(user=member).status == "active"
    assert len(mail.outbox) == 1  # the subscription started once, not again


def test_a_trial_that_is_canceled_ends_without_a_charge(
    client, member, fake_stripe, post_event
) -> None:
    _, sub = checkout(client, fake_stripe, "monthly")
    post_event(fake_stripe.event("customer.subscription.created", sub))
    # Canceled in the Customer Portal during the trial: access lasts until the trial ends.
    leaving = fake_stripe.update_subscription(sub["id"], cancel_at_period_end=True)
    post_event(fake_stripe.event("customer.subscription.updated", leaving))
    assert entitlements.can_read_premium(member)
    html = account_page(client)
    assert f"Free trial until {day(sub['trial_end'])}, then it ends: you will not be charged" in (
        html
    )
    post_event(fake_stripe.event("customer.subscription.trial_will_end", leaving))
    assert "trial_ending" not in Email.objects.values_list("kind", flat=True)

    ended = fake_stripe.end_trial(sub["id"], converts=False)
    post_event(fake_stripe.event("customer.subscription.deleted", ended))
    entitlements.forget(member)
    assert not entitlements.can_read_premium(member)
    assert "Canceled on" in account_page(client)


# --- The trial's reminder ----------------------------------------------------------------------


def test_the_trial_ending_reminder_is_sent_once_even_if_delivered_twice(
    client, member, fake_stripe, annual_price, post_event
) -> None:
    _, sub = checkout(client, fake_stripe, "annual")
    will_end = fake_stripe.event("customer.subscription.trial_will_end", sub)
    post_event(will_end)
    post_event(will_end)  # Stripe delivers at least once
    post_event(fake_stripe.event("customer.subscription.trial_will_end", sub))  # a new event id
    reminders = [m for m in mail.outbox if "trial ends" in m.subject]
    (reminder,) = reminders
    assert reminder.to == ["ada@example.com"]
    trial_ends = day(sub["trial_end"])
    assert reminder.subject == f"Your Alpha Code trial ends on {trial_ends}"
    assert "Alpha Code annual, $190.00 a year" in reminder.body
    assert "/billing/portal/" in reminder.body
    assert trial_ends in reminder.alternatives[0].content
