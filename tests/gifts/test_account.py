"""What the giver and the owner see of gifts: each gift's state on the account page, the
read-only admin, and the dashboard's figures."""

from __future__ import annotations

import datetime as dt
from http import HTTPStatus

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from gifts.figures import gifts_redeemed, gifts_sold
from gifts.models import Gift
from gifts.services import gift_redeem

from ..factories import UserFactory
from .conftest import gift_form


@pytest.mark.django_db
def test_the_giver_sees_each_gift_and_its_state_on_the_account_page(
    client: Client, buy, fake_stripe, post_event
) -> None:
    sent = buy(recipient_email="sent@example.com")
    day = timezone.now().date() + dt.timedelta(days=20)
    buy(recipient_email="later@example.com", when="date", deliver_on=day.isoformat())
    redeemed = buy(recipient_email="redeemed@example.com")
    gift_redeem(gift_id=redeemed.pk, user=UserFactory())
    void = buy(recipient_email="void@example.com")
    charge = fake_stripe.refund(void.stripe_payment_intent_id)
    post_event(fake_stripe.event("charge.refunded", charge))
    client.post("/gift/", gift_form(recipient_email="unpaid@example.com"))
    # Someone else's gift is not shown.
    other = Client()
    other.force_login(UserFactory())
    other.post("/gift/", gift_form(recipient_email="theirs@example.com"))

    with CaptureQueriesContext(connection) as queries:
        response = client.get("/account/")
    page = response.content.decode()
    assert response.status_code == HTTPStatus.OK
    today = timezone.now()
    states = {
        "sent@example.com": f"Sent on {today.day} {today:%b %Y}",
        "later@example.com": f"Scheduled for {day.day} {day:%b %Y}",
        "redeemed@example.com": f"Redeemed on {today.day} {today:%b %Y}",
        "void@example.com": "Refunded: the gift is void",
        "unpaid@example.com": "Awaiting payment",
    }
    for email, state in states.items():
        assert f"<td>{email}</td><td>3 months</td><td>{state}</td>" in page, email
    assert "theirs@example.com" not in page
    gift_queries = [q for q in queries.captured_queries if "gifts_gift" in q["sql"]]
    assert len(gift_queries) == 1
    assert sent.pk


@pytest.mark.django_db
def test_an_unpaid_gift_left_for_more_than_a_day_is_not_listed(client, giver, fake_stripe):
    client.post("/gift/", gift_form(recipient_email="abandoned@example.com"))
    Gift.objects.update(created_at=timezone.now() - dt.timedelta(days=2))
    page = client.get("/account/").content.decode()
    assert "abandoned@example.com" not in page
    assert "Give Alpha Code as a gift" in page


@pytest.mark.django_db
def test_the_admin_lists_gifts_read_only_filtered_by_state(
    buy, fake_stripe, staff_client: Client
) -> None:
    gift = buy()
    listing = staff_client.get("/admin/gifts/gift/?state__exact=paid")
    assert listing.status_code == HTTPStatus.OK
    assert "friend@example.com" in listing.content.decode()
    assert (
        "friend@example.com"
        not in staff_client.get("/admin/gifts/gift/?state__exact=void").content.decode()
    )
    change = staff_client.get(f"/admin/gifts/gift/{gift.pk}/change/")
    assert change.status_code == HTTPStatus.OK
    assert 'name="recipient_email"' not in change.content.decode()  # shown, not editable
    assert staff_client.get("/admin/gifts/gift/add/").status_code == HTTPStatus.FORBIDDEN


@pytest.mark.django_db
def test_the_dashboard_figures_count_gifts_sold_and_redeemed(buy, fake_stripe, post_event):
    first, second, third = buy(), buy(), buy()
    gift_redeem(gift_id=first.pk, user=UserFactory())
    post_event(
        fake_stripe.event("charge.refunded", fake_stripe.refund(third.stripe_payment_intent_id))
    )
    start, end = timezone.now() - dt.timedelta(hours=1), timezone.now() + dt.timedelta(hours=1)
    assert gifts_sold(start, end) == 2  # the refunded one is not a sale
    assert gifts_redeemed(start, end) == 1
    assert gifts_sold(end, end + dt.timedelta(days=1)) == 0
    assert second.state == "paid"
