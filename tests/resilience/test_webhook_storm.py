"""Webhook storm: 500 signed events for 50 subscriptions, each delivered 1 to 3 times, shuffled,
from 8 concurrent senders to a live server with a real worker on real Redis. Every subscription
ends in Stripe's true final state, every email is sent exactly once, no event is left pending."""

from __future__ import annotations

import random
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail

from alphacode.celery import app
from billing.models import SentEmail, StripeEvent, Subscription

from ..conftest import WEBHOOK_SECRET, wait_for
from ..factories import UserFactory
from ..fake_stripe import deliver_over_http

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

SUBSCRIPTIONS = 50
FINAL_STATES = [  # (status, cancel_at_period_end), by subscription index modulo 5
    ("active", False),
    ("active", True),
    ("canceled", False),
    ("past_due", False),
    ("trialing", False),
]


def build_storm(fake) -> tuple[list[dict], dict[str, dict], int]:
    price = next(iter(fake.prices.values()))
    events: list[dict] = []
    expected: dict[str, dict] = {}
    emails = 0
    for index in range(SUBSCRIPTIONS):
        user = UserFactory(email=f"storm{index}@example.com")
        customer = fake.new_id("cus")
        fake.customers[customer] = {"id": customer, "object": "customer"}
        sub = fake.subscription_object(
            customer=customer, price=price, metadata={"user_id": str(user.pk)}, status="incomplete"
        )
        fake.subscriptions[sub["id"]] = sub
        snapshots = [fake.update_subscription(sub["id"], status="active")]
        status, cancel_at_end = FINAL_STATES[index % len(FINAL_STATES)]
        final = fake.update_subscription(
            sub["id"], status=status, cancel_at_period_end=cancel_at_end
        )
        if status == "canceled":
            final = fake.cancel_subscription(sub["id"])
        session = {
            "id": fake.new_id("cs"),
            "object": "checkout.session",
            "customer": customer,
            "client_reference_id": str(user.pk),
            "subscription": sub["id"],
            "metadata": {},
        }
        paid, failed, action = (fake.invoice(sub["id"], status=s) for s in ("paid", "open", "open"))
        events += [
            fake.event("checkout.session.completed", session),
            fake.event("customer.subscription.created", sub | {"status": "incomplete"}),
            fake.event("customer.subscription.updated", snapshots[0]),
            fake.event("customer.subscription.updated", final),
            fake.event("customer.subscription.updated", snapshots[0]),
            fake.event("invoice.paid", paid),
            fake.event("invoice.payment_failed", failed),
            fake.event("invoice.payment_action_required", action),
            fake.event(
                "customer.subscription.deleted"
                if status == "canceled"
                else "customer.subscription.updated",
                final,
            ),
            fake.event("customer.subscription.updated", final),
        ]
        expected[sub["id"]] = final
        emails += 2  # payment failed, action needed: one per invoice
        emails += status in ("active", "trialing")  # started
        emails += status == "canceled" or cancel_at_end  # canceled
    return events, expected, emails


def test_webhook_storm_converges_and_sends_each_email_once(
    live_server, fake_stripe, on_broker
) -> None:
    events, expected, expected_emails = build_storm(fake_stripe)
    assert len(events) == 500
    rng = random.Random(2026)
    deliveries = [event for event in events for _ in range(rng.randint(1, 3))]
    rng.shuffle(deliveries)

    def send(event: dict) -> int:
        return deliver_over_http(live_server.url, event, WEBHOOK_SECRET)

    with start_worker(
        app,
        pool="threads",
        concurrency=4,
        perform_ping_check=False,
        loglevel="WARNING",
        shutdown_timeout=60,
    ):
        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=8) as senders:
            statuses = Counter(senders.map(send, deliveries))
        sent_in = time.monotonic() - started
        assert statuses == {200: len(deliveries)}
        wait_for(
            lambda: (
                not StripeEvent.objects.exclude(state="processed").exists()
                and StripeEvent.objects.count() == 500
            ),
            timeout=240,
        )
        wait_for(
            lambda: (
                SentEmail.objects.count() == expected_emails
                and not SentEmail.objects.filter(sent_at__isnull=True).exists()
            ),
            timeout=120,
        )
        time.sleep(1)  # anything duplicated would show now
    print(
        f"\nstorm: {len(deliveries)} deliveries in {sent_in:.1f}s, "
        f"all processed in {time.monotonic() - started:.1f}s"
    )

    assert StripeEvent.objects.count() == 500
    assert set(StripeEvent.objects.values_list("state", flat=True)) == {"processed"}
    for stripe_id, truth in expected.items():
        local = Subscription.objects.get(stripe_subscription_id=stripe_id)
        assert (local.status, local.cancel_at_period_end) == (
            truth["status"],
            truth["cancel_at_period_end"],
        ), stripe_id
        assert (
            int(local.current_period_end.timestamp())
            == (truth["items"]["data"][0]["current_period_end"])
        )
        assert (local.ended_at is not None) is (truth["status"] == "canceled")
    assert SentEmail.objects.count() == expected_emails
    assert len(mail.outbox) == expected_emails
    per_message = Counter((m.to[0], m.subject) for m in mail.outbox)
    kinds_per_user = Counter(SentEmail.objects.values_list("user_id", "kind"))
    assert max(kinds_per_user.values()) == 1
    assert len(per_message) == expected_emails
