"""Pricing, Checkout, the success page and the Customer Portal, on the real SDK."""

from __future__ import annotations

import datetime as dt
from http import HTTPStatus

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from billing.entitlements import forget_user_id
from billing.models import Customer, Subscription
from billing.views import CHECKOUT_LIMIT, SUCCESS_PAGE_LIMIT
from stats.models import CheckoutStart

from ..factories import UserFactory, make_guide


@pytest.fixture
def member(client: Client, db):
    user = UserFactory()
    client.force_login(user)
    return user


@pytest.mark.django_db
def test_checkout_creates_a_subscription_session_and_redirects_303(client, member, fake_stripe):
    response = client.post("/billing/checkout/", {"token": "a" * 32})
    assert response.status_code == HTTPStatus.SEE_OTHER
    (request,) = fake_stripe.requests_to("POST", "/v1/checkout/sessions")
    session = next(iter(fake_stripe.sessions.values()))
    assert response["Location"] == session["url"]
    params = request.params
    assert params["mode"] == "subscription"
    assert params["line_items"] == [{"price": next(iter(fake_stripe.prices)), "quantity": "1"}]
    assert params["client_reference_id"] == str(member.pk)
    assert params["subscription_data"]["metadata"]["user_id"] == str(member.pk)
    customer = Customer.objects.get(user=member).stripe_customer_id
    assert params["customer"] == customer
    assert request.headers["idempotency-key"] == f"checkout-{member.pk}-monthly-{'a' * 32}"
    assert request.headers["stripe-version"] == "2026-10-28.endive"
    assert params["success_url"].endswith("/billing/success/?session_id={CHECKOUT_SESSION_ID}")
    assert params["cancel_url"].endswith("/pricing/?checkout=canceled")


@pytest.mark.django_db
def test_double_submitted_form_reuses_one_checkout_session(client, member, fake_stripe) -> None:
    first = client.post("/billing/checkout/", {"token": "b" * 32})
    second = client.post("/billing/checkout/", {"token": "b" * 32})
    assert first["Location"] == second["Location"]
    assert len(fake_stripe.sessions) == 1


@pytest.mark.django_db
def test_second_checkout_after_cancellation_reuses_the_customer(client, member, fake_stripe):
    client.post("/billing/checkout/")
    first_session = next(iter(fake_stripe.sessions.values()))
    subscription = fake_stripe.complete_checkout(first_session["id"])
    client.get(f"/billing/success/?session_id={first_session['id']}")
    fake_stripe.cancel_subscription(subscription["id"])
    from billing.subscriptions import subscription_sync

    subscription_sync(stripe_subscription_id=subscription["id"])
    assert Subscription.objects.get().status == "canceled"

    response = client.post("/billing/checkout/")
    assert response.status_code == HTTPStatus.SEE_OTHER
    requests = fake_stripe.requests_to("POST", "/v1/checkout/sessions")
    assert len(requests) == 2
    assert requests[0].params["customer"] == requests[1].params["customer"]
    assert len(fake_stripe.requests_to("POST", "/v1/customers")) == 1
    assert Customer.objects.filter(user=member).count() == 1


@pytest.mark.django_db
def test_success_page_syncs_at_once_without_waiting_for_the_webhook(client, member, fake_stripe):
    client.post("/billing/checkout/")
    session = next(iter(fake_stripe.sessions.values()))
    fake_stripe.complete_checkout(session["id"])
    response = client.get(f"/billing/success/?session_id={session['id']}")
    assert response.status_code == HTTPStatus.OK
    assert "You’re in. Every guide is open." in response.content.decode()
    assert Subscription.objects.get(user=member).status == "trialing"  # a first subscription


@pytest.mark.django_db
def test_success_page_refuses_another_users_session(client, member, fake_stripe) -> None:
    other = Client()
    other.force_login(UserFactory())
    other.post("/billing/checkout/")
    session = next(iter(fake_stripe.sessions.values()))
    fake_stripe.complete_checkout(session["id"])
    response = client.get(f"/billing/success/?session_id={session['id']}")
    assert response.status_code == HTTPStatus.FOUND
    assert not Subscription.objects.filter(user=member).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("session_id", ["", "garbage", "cs_<script>", "cs_test_unknown"])
def test_success_page_with_a_bad_session_id_is_a_clean_page(
    client, member, fake_stripe, session_id
) -> None:
    response = client.get("/billing/success/", {"session_id": session_id})
    assert response.status_code == HTTPStatus.OK
    assert "We’re confirming your payment" in response.content.decode()


@pytest.mark.django_db
def test_checkout_needs_sign_in_and_post(client: Client, fake_stripe) -> None:
    response = client.post("/billing/checkout/")
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"].startswith("/accounts/login/")
    client.force_login(UserFactory())
    assert client.get("/billing/checkout/").status_code == HTTPStatus.METHOD_NOT_ALLOWED
    assert not fake_stripe.sessions


@pytest.mark.django_db
def test_checkout_when_stripe_is_down_says_so_and_charges_nothing(client, member, fake_stripe):
    fake_stripe.fail_next = [500, 500, 500]
    response = client.post("/billing/checkout/", follow=True)
    assert response.status_code == HTTPStatus.OK
    assert "couldn’t reach our payment provider" in response.content.decode()


@pytest.mark.django_db
def test_subscriber_is_not_sent_to_checkout_again(client, member, fake_stripe) -> None:
    Subscription.objects.create(
        user=member, stripe_subscription_id="sub_1", stripe_customer_id="cus_1", status="active"
    )
    response = client.post("/billing/checkout/")
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == "/account/"
    assert not fake_stripe.sessions


@pytest.mark.django_db
def test_portal_opens_a_session_for_the_users_customer(client, member, fake_stripe) -> None:
    client.post("/billing/checkout/")
    response = client.post("/billing/portal/")
    assert response.status_code == HTTPStatus.SEE_OTHER
    (request,) = fake_stripe.requests_to("POST", "/v1/billing_portal/sessions")
    assert request.params["customer"] == Customer.objects.get(user=member).stripe_customer_id
    assert request.params["return_url"].endswith("/account/")
    assert response["Location"].startswith(f"{fake_stripe.base_url}/portal/")


@pytest.mark.django_db
def test_portal_without_a_customer_sends_to_pricing(client, member, fake_stripe) -> None:
    response = client.post("/billing/portal/")
    assert response["Location"] == "/pricing/"
    assert not fake_stripe.requests_to("POST", "/v1/billing_portal/sessions")


# --- pricing --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_pricing_shows_the_right_call_to_action(client: Client, fake_stripe) -> None:
    html = client.get("/pricing/").content.decode()
    assert "$19" in html
    assert "Create your account" in html
    user = UserFactory()
    client.force_login(user)
    html = client.get("/pricing/").content.decode()
    assert 'action="/billing/checkout/"' in html
    Subscription.objects.create(
        user=user, stripe_subscription_id="sub_1", stripe_customer_id="cus_1", status="active"
    )
    forget_user_id(user.pk)  # as a sync does
    html = client.get("/pricing/").content.decode()
    assert "You are subscribed" in html
    assert 'action="/billing/checkout/"' not in html
    assert "How do I cancel?" in html


@pytest.mark.django_db
def test_pricing_without_billing_configured_says_so(client: Client, settings) -> None:
    settings.STRIPE_SECRET_KEY = ""
    client.force_login(UserFactory())
    response = client.get("/pricing/")
    assert response.status_code == HTTPStatus.OK
    assert "Subscriptions are not configured" in response.content.decode()
    follow = client.post("/billing/checkout/", follow=True)
    assert "not configured" in follow.content.decode()


@pytest.mark.django_db
def test_canceled_checkout_comes_back_to_pricing_with_a_message(client, fake_stripe) -> None:
    html = client.get("/pricing/?checkout=canceled").content.decode()
    assert "Checkout was canceled. Nothing was charged." in html


# --- stripe_setup -----------------------------------------------------------------------------


def stripe_setup_settings(capsys) -> dict[str, str]:
    """What `stripe_setup` prints: one NAME=id line per setting."""
    call_command("stripe_setup")
    return dict(line.split("=", 1) for line in capsys.readouterr().out.split())


def test_stripe_setup_creates_then_finds_both_prices(fake_stripe, capsys) -> None:
    fake_stripe.prices.clear()
    fake_stripe.products.clear()
    first = stripe_setup_settings(capsys)
    second = stripe_setup_settings(capsys)
    assert first == second
    assert list(first) == [
        "STRIPE_PRICE_ID",
        "STRIPE_ANNUAL_PRICE_ID",
        "STRIPE_PORTAL_CONFIGURATION",
        "STRIPE_TEAM_PORTAL_CONFIGURATION",
    ]

    def described(price_id: str) -> tuple:
        price = fake_stripe.prices[price_id]
        return (
            price["unit_amount"],
            price["currency"],
            price["recurring"]["interval"],
            price["lookup_key"],
            price["product"],
        )

    assert described(first["STRIPE_PRICE_ID"]) == (
        1900,
        "usd",
        "month",
        "alphacode-monthly",
        "alphacode",
    )
    assert described(first["STRIPE_ANNUAL_PRICE_ID"]) == (
        19000,
        "usd",
        "year",
        "alphacode-annual",
        "alphacode",
    )
    assert len(fake_stripe.prices) == 2
    assert list(fake_stripe.products) == ["alphacode"]
    assert len(fake_stripe.portal_configurations) == 2


def test_stripe_setup_makes_the_portal_switch_plans_and_ask_why_members_cancel(
    fake_stripe, capsys
) -> None:
    printed = stripe_setup_settings(capsys)
    prices = [printed["STRIPE_PRICE_ID"], printed["STRIPE_ANNUAL_PRICE_ID"]]
    own = fake_stripe.portal_configurations[printed["STRIPE_PORTAL_CONFIGURATION"]]
    team = fake_stripe.portal_configurations[printed["STRIPE_TEAM_PORTAL_CONFIGURATION"]]
    for configuration in (own, team):
        features = configuration["features"]
        update = features["subscription_update"]
        assert update["enabled"] == "true"
        assert update["products"] == [{"product": "alphacode", "prices": prices}]
        cancel = features["subscription_cancel"]
        assert cancel["mode"] == "at_period_end"
        assert cancel["cancellation_reason"]["enabled"] == "true"
        assert "too_expensive" in cancel["cancellation_reason"]["options"]
        assert features["payment_method_update"]["enabled"] == "true"
    # A member's own plan changes price only; a team's, its seats too.
    assert own["features"]["subscription_update"]["default_allowed_updates"] == ["price"]
    assert team["features"]["subscription_update"]["default_allowed_updates"] == [
        "price",
        "quantity",
    ]
    # Run again, each is found by its metadata and brought up to date, not made twice.
    own["features"]["subscription_update"]["enabled"] = "false"
    assert stripe_setup_settings(capsys) == printed
    assert len(fake_stripe.portal_configurations) == 2
    assert own["features"]["subscription_update"]["enabled"] == "true"


@pytest.mark.django_db
def test_the_portal_opens_with_the_configuration_stripe_setup_made(
    client, member, fake_stripe, settings, capsys
) -> None:
    printed = stripe_setup_settings(capsys)
    settings.STRIPE_PORTAL_CONFIGURATION = printed["STRIPE_PORTAL_CONFIGURATION"]
    customer = fake_stripe.handle("POST", "/v1/customers", {}, {})[1]
    Customer.objects.create(user=member, stripe_customer_id=customer["id"])
    client.force_login(member)
    response = client.post("/billing/portal/")
    assert response.status_code == 303
    (session,) = fake_stripe.portal_sessions.values()
    assert session["configuration"] == printed["STRIPE_PORTAL_CONFIGURATION"]


def test_stripe_setup_finds_a_monthly_price_made_before_and_adds_the_annual(
    fake_stripe, capsys
) -> None:
    monthly = next(iter(fake_stripe.prices))  # the one price a site had before annual plans
    printed = stripe_setup_settings(capsys)
    assert printed["STRIPE_PRICE_ID"] == monthly
    assert fake_stripe.prices[printed["STRIPE_ANNUAL_PRICE_ID"]]["unit_amount"] == 19000
    assert len(fake_stripe.prices) == 2


@pytest.mark.django_db
def test_a_reader_with_complimentary_access_can_still_subscribe(client, member, fake_stripe):
    import datetime as dt

    from django.utils import timezone

    from billing.models import ComplimentaryAccess

    ComplimentaryAccess.objects.create(
        user=member, expires_at=timezone.now() + dt.timedelta(days=3)
    )
    assert "complimentary access" in client.get("/pricing/").content.decode()
    response = client.post("/billing/checkout/")
    assert response.status_code == HTTPStatus.SEE_OTHER
    assert len(fake_stripe.sessions) == 1


@pytest.mark.django_db
def test_a_token_with_a_trailing_newline_is_replaced_not_sent(client, member, fake_stripe):
    response = client.post("/billing/checkout/", {"token": "a" * 32 + "\n"})
    assert response.status_code == HTTPStatus.SEE_OTHER
    (request,) = fake_stripe.requests_to("POST", "/v1/checkout/sessions")
    assert "\n" not in request.headers["idempotency-key"]
    assert request.headers["idempotency-key"] != f"checkout-{member.pk}-monthly-{'a' * 32}"


@pytest.mark.django_db
def test_the_success_page_asks_stripe_a_few_times_a_minute_per_reader(
    client, member, fake_stripe
) -> None:
    client.post("/billing/checkout/")
    session = next(iter(fake_stripe.sessions.values()))
    url = f"/billing/success/?session_id={session['id']}"
    asked = f"/v1/checkout/sessions/{session['id']}"
    other = Client()
    other.force_login(UserFactory())
    other.post("/billing/checkout/")
    other_session = next(s for s in fake_stripe.sessions.values() if s["id"] != session["id"])
    with time_machine.travel(timezone.now(), tick=False):  # all within one minute
        pages = [client.get(url) for _ in range(SUCCESS_PAGE_LIMIT)]
        assert len(fake_stripe.requests_to("GET", asked)) == SUCCESS_PAGE_LIMIT
        fake_stripe.complete_checkout(session["id"])
        throttled = client.get(url)
        assert len(fake_stripe.requests_to("GET", asked)) == SUCCESS_PAGE_LIMIT  # not again
        # Another reader is not held back by this one.
        fake_stripe.complete_checkout(other_session["id"])
        other_page = other.get(f"/billing/success/?session_id={other_session['id']}")
    assert [page.status_code for page in pages] == [HTTPStatus.OK] * SUCCESS_PAGE_LIMIT
    assert throttled.status_code == HTTPStatus.OK
    assert "We’re confirming your payment" in throttled.content.decode()
    assert "You’re in. Every guide is open." in other_page.content.decode()


@pytest.mark.django_db
def test_a_member_starts_at_most_a_few_checkouts_a_minute(client, member, fake_stripe) -> None:
    sessions = "/v1/checkout/sessions"
    other = Client()
    other.force_login(UserFactory())
    with time_machine.travel(timezone.now(), tick=False):  # all within one minute
        started = [
            client.post("/billing/checkout/", {"token": f"{n:032x}"}) for n in range(CHECKOUT_LIMIT)
        ]
        assert len(fake_stripe.requests_to("POST", sessions)) == CHECKOUT_LIMIT
        refused = client.post("/billing/checkout/", {"token": "f" * 32}, follow=True)
        # No Checkout Session asked for, and nothing counted.
        assert len(fake_stripe.requests_to("POST", sessions)) == CHECKOUT_LIMIT
        assert CheckoutStart.objects.filter(user=member).count() == CHECKOUT_LIMIT
        # Another member is not held back by this one.
        assert other.post("/billing/checkout/").status_code == HTTPStatus.SEE_OTHER
    assert [r.status_code for r in started] == [HTTPStatus.SEE_OTHER] * CHECKOUT_LIMIT
    assert refused.redirect_chain == [("/pricing/", HTTPStatus.FOUND)]
    assert "started several checkouts in the last minute" in refused.content.decode()
    assert len(fake_stripe.requests_to("POST", sessions)) == CHECKOUT_LIMIT + 1
    # A minute later the member may start one again.
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=1, seconds=1), tick=False):
        again = client.post("/billing/checkout/", {"token": "f" * 32})
    assert again.status_code == HTTPStatus.SEE_OTHER
    assert CheckoutStart.objects.filter(user=member).count() == CHECKOUT_LIMIT + 1


@pytest.mark.django_db
@pytest.mark.parametrize("status", ["draft", "scheduled"])
def test_a_checkout_naming_a_guide_that_is_not_published_still_subscribes_and_credits_no_guide(
    client, member, fake_stripe, status
) -> None:
    published_at = timezone.now() + dt.timedelta(days=1) if status == "scheduled" else None
    guide = make_guide(
        access="premium",
        status="published" if status == "scheduled" else "draft",
        published_at=published_at,
    )
    response = client.post("/billing/checkout/", {"guide": str(guide.pk), "token": "c" * 32})
    # The member is sent to Checkout as from the pricing page: no guide is counted.
    assert response.status_code == HTTPStatus.SEE_OTHER
    assert len(fake_stripe.requests_to("POST", "/v1/checkout/sessions")) == 1
    assert list(CheckoutStart.objects.values_list("user", "guide")) == [(member.pk, None)]
