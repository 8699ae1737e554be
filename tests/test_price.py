"""The price is one fact: what Stripe is asked to charge is what every page shows."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import Client

from alphacode.context_processors import dollars


@pytest.mark.django_db
def test_the_price_on_the_pricing_page_is_the_price_stripe_is_asked_to_charge(
    client: Client, fake_stripe, capsys, settings
) -> None:
    fake_stripe.prices.clear()
    call_command("stripe_setup")
    printed = dict(line.split("=", 1) for line in capsys.readouterr().out.split())
    settings.STRIPE_PRICE_ID = printed["STRIPE_PRICE_ID"]
    settings.STRIPE_ANNUAL_PRICE_ID = printed["STRIPE_ANNUAL_PRICE_ID"]
    monthly = fake_stripe.prices[printed["STRIPE_PRICE_ID"]]["unit_amount"]
    annual = fake_stripe.prices[printed["STRIPE_ANNUAL_PRICE_ID"]]["unit_amount"]
    html = client.get("/pricing/").content.decode()
    assert f"<strong>{dollars(monthly)}</strong> a month" in html
    assert f"<strong>{dollars(annual)}</strong> a year, billed yearly: two months free" in html
    assert 12 * monthly - annual == 2 * monthly  # what "two months free" says


def test_a_price_in_whole_dollars_is_shown_without_cents() -> None:
    assert (dollars(1900), dollars(1950), dollars(905)) == ("$19", "$19.50", "$9.05")
