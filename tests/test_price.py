"""The price is one fact: what Stripe is asked to charge is what every page shows."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import Client

from alphacode.context_processors import dollars


@pytest.mark.django_db
def test_the_price_on_the_pricing_page_is_the_price_stripe_is_asked_to_charge(
    client: Client, fake_stripe, capsys
) -> None:
    fake_stripe.prices.clear()
    call_command("stripe_setup")
    charged = fake_stripe.prices[capsys.readouterr().out.strip()]["unit_amount"]
    html = client.get("/pricing/").content.decode()
    assert f"<strong>{dollars(charged)}</strong> a month" in html


def test_a_price_in_whole_dollars_is_shown_without_cents() -> None:
    assert (dollars(1900), dollars(1950), dollars(905)) == ("$19", "$19.50", "$9.05")
