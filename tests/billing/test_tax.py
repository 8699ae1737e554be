"""Stripe Tax in Checkout: `STRIPE_AUTOMATIC_TAX=1` asks Checkout to work out tax from a billing
address it requires, and to collect a tax ID; off (the default), Checkout is asked for none of
it. The fake Stripe refuses what Stripe refuses (a parameter its types do not define, tax ID
collection for a customer without `customer_update`), and a refused request fails the test."""

from __future__ import annotations

from http import HTTPStatus

import pytest
from django.test import Client

from ..factories import UserFactory

pytestmark = pytest.mark.django_db

TAX_PARAMS = ("automatic_tax", "billing_address_collection", "tax_id_collection", "customer_update")


def checkout_params(client: Client, fake_stripe) -> dict:
    client.force_login(UserFactory())
    response = client.post("/billing/checkout/", {"plan": "monthly"})
    assert response.status_code == HTTPStatus.SEE_OTHER
    (request,) = fake_stripe.requests_to("POST", "/v1/checkout/sessions")
    return request.params


def test_automatic_tax_on_asks_checkout_for_tax_an_address_and_a_tax_id(
    client, fake_stripe, settings
) -> None:
    settings.STRIPE_AUTOMATIC_TAX = True
    params = checkout_params(client, fake_stripe)
    assert params["automatic_tax"] == {"enabled": "true"}
    assert params["billing_address_collection"] == "required"
    assert params["tax_id_collection"] == {"enabled": "true"}
    assert params["customer_update"] == {"address": "auto", "name": "auto"}
    (session,) = fake_stripe.sessions.values()
    assert session["automatic_tax"]["enabled"] is True
    assert session["tax_id_collection"]["enabled"] is True
    # The buyer is sent on to Checkout, which charges the tax.
    assert session["url"].startswith(fake_stripe.base_url)


def test_automatic_tax_off_by_default_asks_for_none_of_it(client, fake_stripe) -> None:
    params = checkout_params(client, fake_stripe)
    assert not set(TAX_PARAMS) & set(params)
    (session,) = fake_stripe.sessions.values()
    assert session["automatic_tax"]["enabled"] is False


def test_the_fake_stripe_refuses_tax_settings_stripe_refuses() -> None:
    from ..fake_stripe import FakeStripe
    from ..stripe_params import request_problems

    refusal = FakeStripe.checkout_tax_refusal
    base = {"mode": "subscription", "customer": "cus_1", "success_url": "https://x/"}
    assert refusal(base) is None
    # A misspelt parameter is refused by the SDK's types (stripe_params).
    assert request_problems("POST", "/v1/checkout/sessions", {**base, "automatic_taxes": "1"})
    tax_ids = {**base, "tax_id_collection": {"enabled": "true"}}
    assert "customer_update[name]=auto" in (refusal(tax_ids) or "")
    tax = {**base, "automatic_tax": {"enabled": "true"}}
    assert "requires a valid address on the Customer" in (refusal(tax) or "")
    assert refusal({**tax, "customer_update": {"address": "auto"}}) is None


def test_a_checkout_without_a_customer_is_taxed_without_updating_one(settings) -> None:
    # A one-off Checkout (a gift, say) may name no customer: Stripe refuses customer_update then.
    from billing.stripe_gateway import _with_tax

    from ..fake_stripe import FakeStripe

    settings.STRIPE_AUTOMATIC_TAX = True
    params = _with_tax({"mode": "payment", "success_url": "https://example.com/"})
    assert params["automatic_tax"] == {"enabled": True}
    assert params["tax_id_collection"] == {"enabled": True}
    assert "customer_update" not in params
    as_sent = {
        "mode": "payment",
        "success_url": "https://example.com/",
        "automatic_tax": {"enabled": "true"},
        "billing_address_collection": "required",
        "tax_id_collection": {"enabled": "true"},
    }
    assert FakeStripe.checkout_tax_refusal(as_sent) is None
    assert (
        FakeStripe.checkout_tax_refusal({**as_sent, "customer_update": {"name": "auto"}})
        == "customer_update can only be used with customer."
    )
