"""Buying a gift: the form, Checkout in payment mode on the real SDK, the signed webhook that
marks it paid, the thanks page, and bad input refused with nothing written."""

from __future__ import annotations

import datetime as dt
from http import HTTPStatus

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.utils import timezone

from billing.events import event_process
from billing.models import Customer, StripeEvent
from gifts.models import Gift
from gifts.views import CHECKOUT_LIMIT
from mail.models import Email

from ..factories import UserFactory
from .conftest import gift_form


@pytest.mark.django_db
def test_a_visitor_sees_what_a_gift_is_and_a_sign_in_link(client: Client, fake_stripe) -> None:
    page = client.get("/gift/").content.decode()
    assert "Give Alpha Code as a gift" in page
    for offer in ("3 months: $57", "6 months: $114", "12 months: $190"):
        assert offer in page
    assert 'href="/accounts/login/?next=%2Fgift%2F"' in page
    assert '<form method="post" class="panel"' not in page
    response = client.post("/gift/", gift_form())
    assert response["Location"].startswith("/accounts/login/")
    assert not Gift.objects.exists()


@pytest.mark.django_db
def test_the_form_says_when_and_by_which_clock_a_dated_gift_is_sent(client, giver, fake_stripe):
    page = client.get("/gift/").content.decode()
    assert "Sent at 09:00 UTC (Coordinated Universal Time) on that day" in page
    today = timezone.now().date()
    assert f'min="{today.isoformat()}"' in page
    assert f'max="{(today + dt.timedelta(days=365)).isoformat()}"' in page


@pytest.mark.django_db
def test_the_gift_form_opens_a_payment_checkout_for_the_gift(client, giver, fake_stripe):
    response = client.post("/gift/", gift_form(months="6", token="a" * 32))
    assert response.status_code == HTTPStatus.SEE_OTHER
    gift = Gift.objects.get()
    assert (gift.giver, gift.months, gift.amount, gift.state) == (giver, 6, 11400, "pending")
    assert gift.recipient_email == "friend@example.com"
    (request,) = fake_stripe.requests_to("POST", "/v1/checkout/sessions")
    session = fake_stripe.sessions[gift.stripe_checkout_session_id]
    assert response["Location"] == session["url"]
    params = request.params
    assert params["mode"] == "payment"
    assert params["line_items"] == [
        {
            "price_data": {"currency": "usd", "product": "alphacode", "unit_amount": "11400"},
            "quantity": "1",
        }
    ]
    ids = {"gift_id": str(gift.pk), "user_id": str(giver.pk)}
    assert params["metadata"] == ids
    assert params["payment_intent_data"]["metadata"] == ids
    assert params["client_reference_id"] == str(giver.pk)
    assert params["customer"] == Customer.objects.get(user=giver).stripe_customer_id
    assert "subscription_data" not in params
    assert params["success_url"].endswith("/gift/thanks/?session_id={CHECKOUT_SESSION_ID}")
    assert params["cancel_url"].endswith("/gift/?checkout=canceled")
    assert request.headers["idempotency-key"] == f"gift-checkout-{gift.pk}"


@pytest.mark.django_db
@pytest.mark.parametrize(("months", "cents"), [("3", 5700), ("6", 11400), ("12", 19000)])
def test_each_length_has_its_price(client, giver, fake_stripe, months, cents) -> None:
    client.post("/gift/", gift_form(months=months))
    assert Gift.objects.get().amount == cents
    assert (
        fake_stripe.sessions[Gift.objects.get().stripe_checkout_session_id]["amount_total"] == cents
    )


@pytest.mark.django_db
def test_a_gift_checkout_is_taxed_when_stripe_tax_is_on(client, giver, fake_stripe, settings):
    settings.STRIPE_AUTOMATIC_TAX = True
    response = client.post("/gift/", gift_form(months="3"))
    assert response.status_code == HTTPStatus.SEE_OTHER
    (request,) = fake_stripe.requests_to("POST", "/v1/checkout/sessions")
    assert request.params["automatic_tax"] == {"enabled": "true"}
    assert request.params["billing_address_collection"] == "required"
    assert request.params["customer_update"] == {"address": "auto", "name": "auto"}


@pytest.mark.django_db
def test_a_double_submitted_form_is_one_gift_and_one_checkout(client, giver, fake_stripe):
    form = gift_form(token="b" * 32)
    first, second = client.post("/gift/", form), client.post("/gift/", form)
    assert first["Location"] == second["Location"]
    assert Gift.objects.count() == 1
    assert len(fake_stripe.sessions) == 1


@pytest.mark.django_db
def test_the_same_form_sent_again_with_another_recipient_is_another_gift(
    client, giver, fake_stripe
):
    client.post("/gift/", gift_form(token="c" * 32))
    client.post("/gift/", gift_form(token="c" * 32, recipient_email="other@example.com"))
    assert sorted(Gift.objects.values_list("recipient_email", flat=True)) == [
        "friend@example.com",
        "other@example.com",
    ]
    assert len(fake_stripe.sessions) == 2


@pytest.mark.django_db
def test_a_paid_gifts_form_sent_again_is_a_new_gift(client, giver, fake_stripe) -> None:
    form = gift_form(token="d" * 32)
    first = client.post("/gift/", form)
    fake_stripe.complete_payment(first["Location"].rsplit("/", 1)[1])
    client.get(f"/gift/thanks/?session_id={first['Location'].rsplit('/', 1)[1]}")
    # Back to the form after paying, and sent again: a second gift, a new Checkout.
    second = client.post("/gift/", form)
    assert second["Location"] != first["Location"]
    assert list(Gift.objects.order_by("pk").values_list("state", flat=True)) == [
        "paid",
        "pending",
    ]


BAD_FORMS = [
    ({"when": "date", "deliver_on": "2000-01-01"}, "deliver_on", "That day has passed"),
    ({"when": "date", "deliver_on": ""}, "deliver_on", "Choose the day we send it"),
    ({"when": "date", "deliver_on": "next tuesday"}, "deliver_on", "Enter the day as a date"),
    ({"recipient_email": "not an email"}, "recipient_email", "Enter their email address"),
    ({"recipient_email": ""}, "recipient_email", "This field is required"),
    ({"months": "4"}, "months", "Choose 3, 6 or 12 months."),
    ({"months": "twelve"}, "months", "Choose 3, 6 or 12 months."),
    ({"message": "x" * 301}, "message", "at most 300 characters"),
    ({"when": "someday"}, "when", "Choose when we send it."),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("changes", "field", "error"), BAD_FORMS)
def test_bad_input_gets_a_clear_error_and_writes_nothing(
    client, giver, fake_stripe, changes, field, error
) -> None:
    response = client.post("/gift/", gift_form(**changes))
    assert response.status_code == HTTPStatus.OK
    page = response.content.decode()
    assert f'id="id_{field}_error"' in page
    assert error in page
    assert not Gift.objects.exists()
    assert not fake_stripe.requests_to("POST", "/v1/checkout/sessions")
    # What the member typed is still there to mend.
    assert 'value="' in page


@pytest.mark.django_db
def test_a_day_more_than_a_year_ahead_is_refused(client, giver, fake_stripe) -> None:
    too_far = (timezone.now().date() + dt.timedelta(days=366)).isoformat()
    page = client.post("/gift/", gift_form(when="date", deliver_on=too_far)).content.decode()
    assert "more than a year ahead" in page
    assert not Gift.objects.exists()


@pytest.mark.django_db
def test_checkout_when_stripe_is_down_says_so_and_charges_nothing(client, giver, fake_stripe):
    fake_stripe.fail_next = [500, 500, 500]
    response = client.post("/gift/", gift_form())
    assert response.status_code == HTTPStatus.OK
    assert "couldn’t reach our payment provider" in response.content.decode()
    assert not Gift.objects.filter(state="paid").exists()
    # Nothing was opened at Stripe: the account page lists no gift awaiting payment.
    assert "friend@example.com" not in client.get("/account/").content.decode()


@pytest.mark.django_db
def test_a_member_starts_at_most_a_few_gift_checkouts_a_minute(client, giver, fake_stripe):
    with time_machine.travel(timezone.now(), tick=False):
        for _ in range(CHECKOUT_LIMIT):
            assert client.post("/gift/", gift_form()).status_code == HTTPStatus.SEE_OTHER
        refused = client.post("/gift/", gift_form())
    assert refused.status_code == HTTPStatus.OK
    assert "several gift checkouts in the last minute" in refused.content.decode()
    assert len(fake_stripe.requests_to("POST", "/v1/checkout/sessions")) == CHECKOUT_LIMIT


@pytest.mark.django_db
def test_the_paid_webhook_marks_the_gift_paid_and_the_giver_gets_a_receipt(buy, fake_stripe):
    gift = buy(months="12")
    assert gift.state == "paid"
    assert gift.paid_at is not None
    intent = fake_stripe.sessions[gift.stripe_checkout_session_id]["payment_intent"]
    assert gift.stripe_payment_intent_id == intent
    assert StripeEvent.objects.get().state == "processed"
    receipt = next(m for m in mail.outbox if m.to == ["grace@example.com"])
    assert receipt.subject == "Your gift of 12 months of Alpha Code"
    assert "You paid $190, once" in receipt.body
    assert "friend@example.com" in receipt.body


@pytest.mark.django_db
def test_a_repeated_paid_webhook_changes_nothing(buy, fake_stripe, post_event) -> None:
    gift = buy()
    session = fake_stripe.sessions[gift.stripe_checkout_session_id]
    post_event(fake_stripe.event("checkout.session.completed", session))
    assert Email.objects.filter(kind="gift_received").count() == 1
    assert Email.objects.filter(kind="gift_receipt").count() == 1
    assert Gift.objects.get().paid_at == gift.paid_at


@pytest.mark.django_db
def test_a_subscription_checkout_is_still_billings(client, giver, fake_stripe, post_event):
    client.post("/billing/checkout/")
    session = next(iter(fake_stripe.sessions.values()))
    fake_stripe.complete_checkout(session["id"])
    post_event(fake_stripe.event("checkout.session.completed", session))
    assert giver.subscriptions.get().status == "trialing"
    assert not Gift.objects.exists()


@pytest.mark.django_db
def test_the_thanks_page_syncs_the_session_at_once(client, giver, fake_stripe) -> None:
    day = (timezone.now().date() + dt.timedelta(days=30)).isoformat()
    response = client.post("/gift/", gift_form(when="date", deliver_on=day))
    session_id = response["Location"].rsplit("/", 1)[1]
    fake_stripe.complete_payment(session_id)
    page = client.get(f"/gift/thanks/?session_id={session_id}").content.decode()
    gift = Gift.objects.get()
    assert gift.state == "paid"
    assert "We will email friend@example.com a link to redeem it on" in page
    assert "at 09:00 UTC" in page
    assert gift.delivered_at is None


@pytest.mark.django_db
def test_the_thanks_page_refuses_another_members_session(client, giver, fake_stripe) -> None:
    other = Client()
    other.force_login(UserFactory())
    response = other.post("/gift/", gift_form())
    session_id = response["Location"].rsplit("/", 1)[1]
    fake_stripe.complete_payment(session_id)
    refused = client.get(f"/gift/thanks/?session_id={session_id}")
    assert refused.status_code == HTTPStatus.FOUND
    assert Gift.objects.get().state == "pending"


@pytest.mark.django_db
@pytest.mark.parametrize("session_id", ["", "garbage", "cs_<script>", "cs_test_unknown"])
def test_the_thanks_page_with_a_bad_session_id_is_a_clean_page(
    client, giver, fake_stripe, session_id
):
    response = client.get("/gift/thanks/", {"session_id": session_id})
    assert response.status_code == HTTPStatus.OK
    assert "We’re confirming your payment" in response.content.decode()


@pytest.mark.django_db
def test_a_canceled_checkout_comes_back_to_the_form_with_a_message(client, giver, fake_stripe):
    page = client.get("/gift/?checkout=canceled").content.decode()
    assert "Checkout was canceled. Nothing was charged." in page


@pytest.mark.django_db
def test_a_paid_event_stripe_cannot_confirm_yet_is_retried_then_applied(
    client, giver, fake_stripe, post_event
) -> None:
    response = client.post("/gift/", gift_form())
    session_id = response["Location"].rsplit("/", 1)[1]
    fake_stripe.complete_payment(session_id)
    # Stripe answers 500 to the re-fetch of the session (and the SDK's two retries).
    fake_stripe.fail_next = [500, 500, 500]
    post_event(fake_stripe.event("checkout.session.completed", fake_stripe.sessions[session_id]))
    event = StripeEvent.objects.get()
    assert (event.state, event.error.startswith("will retry")) == ("pending", True)
    assert Gift.objects.get().state == "pending"
    event_process(event_id=event.pk)  # the next attempt
    assert StripeEvent.objects.get().state == "processed"
    assert Gift.objects.get().state == "paid"
