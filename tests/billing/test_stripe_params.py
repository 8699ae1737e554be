"""The fake Stripe refuses what Stripe's API does not define, judged by the SDK's own typed
parameters: so every test that drives the site against it proves the site's requests valid."""

from __future__ import annotations

import pytest
import stripe

from tests.stripe_params import request_problems


@pytest.fixture
def sdk(fake_stripe) -> stripe.StripeClient:
    return stripe.StripeClient("sk_test_fake", base_addresses={"api": fake_stripe.base_url})


def test_an_unknown_parameter_is_refused_as_stripe_refuses_it(sdk, fake_stripe) -> None:
    with pytest.raises(stripe.InvalidRequestError, match="Received unknown parameter: modee"):
        sdk.v1.checkout.sessions.create(params={"modee": "subscription"})  # type: ignore[typeddict-unknown-key]
    with pytest.raises(
        stripe.InvalidRequestError, match=r"unknown parameter: line_items\[0\]\[qty\]"
    ):
        sdk.v1.checkout.sessions.create(
            params={"mode": "subscription", "line_items": [{"price": "p", "qty": 1}]}  # type: ignore[typeddict-unknown-key]
        )
    assert len(fake_stripe.refused) == 2
    fake_stripe.refused.clear()  # refused on purpose: the fixture fails a test that leaves any


def test_a_missing_required_parameter_and_a_malformed_number_are_refused(sdk, fake_stripe) -> None:
    with pytest.raises(stripe.InvalidRequestError, match="Missing required param: currency"):
        sdk.v1.prices.create(params={"unit_amount": 1900})  # type: ignore[typeddict-item]
    assert request_problems(
        "POST", "/v1/checkout/sessions", {"line_items": [{"quantity": "x"}]}
    ) == ["Invalid integer: line_items[0][quantity]"]
    fake_stripe.refused.clear()


def test_a_route_with_no_known_parameters_is_refused() -> None:
    assert request_problems("POST", "/v1/refunds", {}) == [
        "Unrecognized request URL (POST: /v1/refunds): the fake knows no params type"
    ]


def test_the_sites_own_checkout_request_is_valid(client, fake_stripe, django_user_model) -> None:
    user = django_user_model.objects.create_user(email="valid@example.com", password="pw-12345678")
    client.force_login(user)
    response = client.post("/billing/checkout/", {"plan": "monthly"})
    assert response.status_code == 303
    (request,) = fake_stripe.requests_to("POST", "/v1/checkout/sessions")
    assert request_problems("POST", "/v1/checkout/sessions", request.params) == []
    assert request.params["mode"] == "subscription"
    assert not fake_stripe.refused
