"""The whole subscriber journey, over HTTP, with the real Stripe SDK against the fake Stripe."""

from __future__ import annotations

from http import HTTPStatus

import pytest
from django.core import mail
from django.test import Client

from billing.models import StripeEvent, Subscription

from .accounts.test_accounts import PASSWORD, code_from
from .articles.test_paywall import SENTINEL, premium_guide


@pytest.mark.django_db
def test_sign_up_subscribe_read_cancel_and_see_the_paywall_again(
    client: Client, fake_stripe, post_event
) -> None:
    guide = premium_guide()
    url = guide.get_absolute_url()

    # A visitor meets the paywall.
    page = client.get(url).content.decode()
    assert 'id="paywall"' in page
    assert SENTINEL not in page

    # Signs up and confirms the email with the code from the outbox.
    client.post(
        "/accounts/signup/",
        {"email": "ada@example.com", "password1": PASSWORD, "password2": PASSWORD},
    )
    client.post("/accounts/confirm-email/", {"code": code_from(mail.outbox[-1])})
    assert client.get("/account/").status_code == HTTPStatus.OK
    assert SENTINEL not in client.get(url).content.decode()

    # Subscribes: Checkout on the fake Stripe.
    response = client.post("/billing/checkout/")
    assert response.status_code == HTTPStatus.SEE_OTHER
    (checkout,) = fake_stripe.requests_to("POST", "/v1/checkout/sessions")
    assert checkout.params["mode"] == "subscription"
    session = fake_stripe.sessions[response["Location"].rsplit("/", 1)[1]]
    subscription = fake_stripe.complete_checkout(session["id"])

    # Stripe's webhooks arrive, signed.
    assert (
        post_event(
            fake_stripe.event("checkout.session.completed", fake_stripe.sessions[session["id"]])
        ).status_code
        == 200
    )
    assert (
        post_event(fake_stripe.event("customer.subscription.created", subscription)).status_code
        == 200
    )
    assert StripeEvent.objects.filter(state="processed").count() == 2
    assert Subscription.objects.get().status == "trialing"  # a first subscription's free week

    # Reads the premium guide in full during the trial.
    page = client.get(url).content.decode()
    assert SENTINEL in page
    assert 'id="paywall"' not in page
    assert "Free trial until" in client.get("/account/").content.decode()

    # The trial converts: the first payment is taken.
    active = fake_stripe.end_trial(subscription["id"])
    post_event(fake_stripe.event("customer.subscription.updated", active))
    assert SENTINEL in client.get(url).content.decode()
    assert "Active, renews" in client.get("/account/").content.decode()

    # Cancels; Stripe says so with customer.subscription.deleted.
    deleted = fake_stripe.cancel_subscription(subscription["id"])
    assert (
        post_event(fake_stripe.event("customer.subscription.deleted", deleted)).status_code == 200
    )

    page = client.get(url).content.decode()
    assert SENTINEL not in page
    assert 'id="paywall"' in page
    assert "Canceled on" in client.get("/account/").content.decode()
