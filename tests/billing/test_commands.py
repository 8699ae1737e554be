"""Operators' commands: reprocess_events and sync_subscriptions."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from billing.models import StripeEvent, Subscription

from ..conftest import new_subscription
from ..factories import UserFactory


@pytest.mark.django_db
def test_reprocess_events_retries_failed_and_pending(fake_stripe, capsys) -> None:
    user = UserFactory()
    sub = new_subscription(fake_stripe, user)
    StripeEvent.objects.create(
        id="evt_failed",
        type="customer.subscription.updated",
        payload=fake_stripe.event("x", sub),
        state="failed",
        error="boom",
    )
    StripeEvent.objects.create(
        id="evt_pending",
        type="invoice.paid",
        payload=fake_stripe.event("x", fake_stripe.invoice(sub["id"])),
    )
    StripeEvent.objects.create(id="evt_done", type="invoice.paid", payload={}, state="processed")
    call_command("reprocess_events")
    assert "2 processed" in capsys.readouterr().out
    assert set(StripeEvent.objects.values_list("state", flat=True)) == {"processed"}
    assert Subscription.objects.get().status == "active"


@pytest.mark.django_db
def test_sync_subscriptions_for_one_user_and_for_all(fake_stripe, capsys) -> None:
    from billing.subscriptions import subscription_sync

    user = UserFactory(email="ada@example.com")
    sub = new_subscription(fake_stripe, user)
    subscription_sync(stripe_subscription_id=sub["id"])
    fake_stripe.update_subscription(sub["id"], status="past_due")
    call_command("sync_subscriptions", "--user", "ADA@example.com")
    assert f"{sub['id']}: past_due" in capsys.readouterr().out
    fake_stripe.update_subscription(sub["id"], status="active")
    call_command("sync_subscriptions", "--all")
    assert Subscription.objects.get().status == "active"
    with pytest.raises(CommandError, match=r"No subscriptions for nobody@example\.com"):
        call_command("sync_subscriptions", "--user", "nobody@example.com")
