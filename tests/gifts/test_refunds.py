"""Refunds, from Stripe's signed `charge.refunded`: a gift fully refunded before it is redeemed
is void and its link no longer redeems; a refund after redemption is recorded and the access
stays."""

from __future__ import annotations

import datetime as dt
from http import HTTPStatus

import pytest
from django.utils import timezone

from billing.models import ComplimentaryAccess, StripeEvent
from gifts.links import redeem_path
from gifts.models import Gift
from gifts.services import gift_redeem
from gifts.tasks import deliver_scheduled_gifts
from mail.models import Email

from ..conftest import new_subscription, signed_in
from ..factories import UserFactory
from .conftest import gift_form


def refund(fake_stripe, post_event, gift: Gift, *, amount: int | None = None) -> dict:
    charge = fake_stripe.refund(gift.stripe_payment_intent_id, amount=amount)
    assert post_event(fake_stripe.event("charge.refunded", charge)).status_code == HTTPStatus.OK
    return charge


@pytest.mark.django_db
def test_a_refunded_gift_not_yet_redeemed_is_void_and_cannot_be_redeemed(
    buy, fake_stripe, post_event
) -> None:
    gift = buy()
    charge = refund(fake_stripe, post_event, gift)
    assert (charge["refunded"], charge["amount_refunded"]) == (True, 5700)
    gift.refresh_from_db()
    assert (gift.state, gift.amount_refunded) == ("void", 5700)
    assert gift.voided_at is not None
    assert StripeEvent.objects.get(type="charge.refunded").state == "processed"

    member = signed_in(UserFactory())
    page = member.get(redeem_path(gift))
    assert page.status_code == HTTPStatus.GONE
    assert "This gift is no longer valid" in page.content.decode()
    refused = member.post(redeem_path(gift), follow=True)
    assert "This gift was refunded and is no longer valid." in refused.content.decode()
    assert not ComplimentaryAccess.objects.exists()


@pytest.mark.django_db
def test_a_partial_refund_is_recorded_and_the_gift_stays_valid(buy, fake_stripe, post_event):
    gift = buy()
    refund(fake_stripe, post_event, gift, amount=1000)
    gift.refresh_from_db()
    assert (gift.state, gift.amount_refunded) == ("paid", 1000)
    # The rest refunded later: now it is void.
    refund(fake_stripe, post_event, gift)
    gift.refresh_from_db()
    assert (gift.state, gift.amount_refunded) == ("void", 5700)


@pytest.mark.django_db
def test_a_refund_after_redemption_is_recorded_and_the_access_stays(
    buy, fake_stripe, post_event
) -> None:
    gift = buy()
    member = UserFactory()
    gift_redeem(gift_id=gift.pk, user=member)
    until = ComplimentaryAccess.objects.get(user=member).expires_at
    refund(fake_stripe, post_event, gift)
    gift.refresh_from_db()
    assert (gift.state, gift.amount_refunded) == ("redeemed", 5700)
    assert gift.refunded_at is not None
    assert ComplimentaryAccess.objects.get(user=member).expires_at == until


@pytest.mark.django_db
def test_a_scheduled_gift_refunded_before_its_day_is_never_sent(
    buy, fake_stripe, post_event, django_capture_on_commit_callbacks
) -> None:
    day = timezone.now().date() + dt.timedelta(days=3)
    gift = buy(when="date", deliver_on=day.isoformat())
    refund(fake_stripe, post_event, gift)
    later = dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC)
    with django_capture_on_commit_callbacks(execute=True):
        assert deliver_scheduled_gifts(now=later) == 0
    assert not Email.objects.filter(kind="gift_received").exists()


@pytest.mark.django_db
def test_a_refund_that_arrives_before_the_payment_event_still_voids_the_gift(
    client, giver, fake_stripe, post_event
) -> None:
    response = client.post("/gift/", gift_form())
    session_id = response["Location"].rsplit("/", 1)[1]
    fake_stripe.complete_payment(session_id)
    intent = fake_stripe.sessions[session_id]["payment_intent"]
    post_event(fake_stripe.event("charge.refunded", fake_stripe.refund(intent)))
    # The paid event, late: the gift stays void and nothing is sent.
    post_event(fake_stripe.event("checkout.session.completed", fake_stripe.sessions[session_id]))
    gift = Gift.objects.get()
    assert (gift.state, gift.stripe_payment_intent_id) == ("void", intent)
    assert gift.delivered_at is None


@pytest.mark.django_db
def test_a_refunded_charge_that_paid_for_no_gift_changes_nothing(buy, fake_stripe, post_event):
    gift = buy()
    # A payment made elsewhere (no gift in its PaymentIntent's metadata).
    user = UserFactory()
    new_subscription(fake_stripe, user)
    intent_id, charge_id = fake_stripe.new_id("pi"), fake_stripe.new_id("ch")
    fake_stripe.payment_intents[intent_id] = {
        "id": intent_id,
        "object": "payment_intent",
        "metadata": {},
        "latest_charge": charge_id,
    }
    fake_stripe.charges[charge_id] = {
        "id": charge_id,
        "object": "charge",
        "amount": 1900,
        "amount_refunded": 0,
        "refunded": False,
        "payment_intent": intent_id,
        "metadata": {},
    }
    post_event(fake_stripe.event("charge.refunded", fake_stripe.refund(charge_id)))
    assert StripeEvent.objects.get(type="charge.refunded").state == "processed"
    assert Gift.objects.get().state == gift.state == "paid"
