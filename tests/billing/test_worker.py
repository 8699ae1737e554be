"""The worker path on real Redis: a real Celery worker processes webhooks and sends email,
retries transient errors, survives a broker outage and a worker killed mid-task."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from http import HTTPStatus
from pathlib import Path

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.utils import timezone

from alphacode.celery import app
from billing.models import SentEmail, StripeEvent, Subscription
from billing.subscriptions import LOST_AFTER
from billing.tasks import requeue_stale_events

from ..conftest import ROOT, WEBHOOK_SECRET, RedisServer, reset_broker_pools, wait_for
from ..factories import UserFactory
from ..fake_stripe import signed
from .test_webhooks import new_subscription

pytestmark = pytest.mark.django_db(transaction=True)


def deliver(payload: dict) -> int:
    body, header = signed(payload, WEBHOOK_SECRET)
    return (
        Client()
        .post(
            "/billing/webhook/", body, content_type="application/json", HTTP_STRIPE_SIGNATURE=header
        )
        .status_code
    )


def test_webhook_is_processed_by_the_worker_and_its_email_sent_once(worker, fake_stripe):
    user = UserFactory(email="ada@example.com")
    sub = new_subscription(fake_stripe, user)
    event = fake_stripe.event("customer.subscription.created", sub)
    assert [deliver(event) for _ in range(3)] == [200, 200, 200]
    wait_for(lambda: StripeEvent.objects.filter(state="processed").exists())
    wait_for(lambda: SentEmail.objects.filter(sent_at__isnull=False).exists())
    time.sleep(0.5)  # let any (wrongly) duplicated work show itself
    assert Subscription.objects.get().status == "active"
    assert StripeEvent.objects.get().attempts == 1
    started = [m for m in mail.outbox if m.subject == "Your Alpha Code subscription has started"]
    assert len(started) == 1 and started[0].to == ["ada@example.com"]
    # And the subscriber can now read premium guides.
    from billing.entitlements import can_read_premium

    assert can_read_premium(user)


def test_a_transient_stripe_error_is_retried_then_succeeds(worker, fake_stripe) -> None:
    user = UserFactory()
    sub = new_subscription(fake_stripe, user)
    fake_stripe.fail_next = [503, 503, 503]  # one task attempt (the SDK tries 3 times)
    assert deliver(fake_stripe.event("customer.subscription.created", sub)) == 200
    wait_for(lambda: StripeEvent.objects.filter(state="processed").exists())
    event = StripeEvent.objects.get()
    assert event.attempts == 2 and event.error == ""
    assert Subscription.objects.get().status == "active"


def test_broker_down_the_webhook_still_stores_and_the_sweep_processes_it(
    on_broker: RedisServer, worker, fake_stripe
) -> None:
    user = UserFactory()
    sub = new_subscription(fake_stripe, user)
    on_broker.stop()
    started = time.monotonic()
    assert deliver(fake_stripe.event("customer.subscription.created", sub)) == HTTPStatus.OK
    assert time.monotonic() - started < 10  # Stripe is answered promptly all the same
    assert StripeEvent.objects.get().state == "pending"

    on_broker.start()  # Redis is back, on the same port
    reset_broker_pools()
    # The next sweep finds its attempt lost.
    assert requeue_stale_events(now=timezone.now() + LOST_AFTER) == 1
    wait_for(lambda: StripeEvent.objects.filter(state="processed").exists(), timeout=60)
    assert Subscription.objects.get().status == "active"


def test_beat_schedule_runs_the_sweep_and_the_daily_reconcile() -> None:
    schedule = {entry["task"]: entry["schedule"] for entry in app.conf.beat_schedule.values()}
    assert schedule["billing.tasks.requeue_stale_events"] <= 300
    assert "billing.tasks.reconcile_subscriptions" in schedule


@pytest.mark.slow
def test_worker_killed_mid_task_the_event_is_processed_exactly_once(on_broker, fake_stripe):
    user = UserFactory()
    sub = new_subscription(fake_stripe, user)
    path = f"/v1/subscriptions/{sub['id']}"
    fake_stripe.delays[path] = 60  # the first worker hangs inside the task, holding the lock
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "alphacode.settings",
        "DJANGO_DEBUG": "1",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{connection.settings_dict['NAME']}",
        "REDIS_URL": on_broker.url,
        "EMAIL_URL": "console:",
        "STRIPE_SECRET_KEY": "sk_test_fake",
        "STRIPE_API_BASE": fake_stripe.base_url,
        "STRIPE_PRICE_ID": "price_x",
        "CELERY_VISIBILITY_TIMEOUT": "5",
    }

    def start() -> subprocess.Popen:
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "alphacode",
                "worker",
                "--pool",
                "solo",
                "--concurrency",
                "1",
                "--loglevel",
                "WARNING",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    first = start()
    try:
        assert deliver(fake_stripe.event("customer.subscription.created", sub)) == 200
        wait_for(lambda: path in fake_stripe.arrivals, timeout=60)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        if first.poll() is None:
            first.kill()
    assert StripeEvent.objects.get().state == "pending"  # its transaction died with it

    fake_stripe.delays.clear()
    second = start()
    try:
        # The broker re-delivers the unacknowledged task after the visibility timeout; the beat
        # sweep would queue it too. Either way, it must be processed once.
        requeue_stale_events(now=timezone.now() + LOST_AFTER)
        wait_for(lambda: StripeEvent.objects.filter(state="processed").exists(), timeout=60)
        time.sleep(7)  # past the visibility timeout: the re-delivered copy runs and finds it done
        event = StripeEvent.objects.get()
        assert event.state == "processed" and event.attempts == 1
        assert Subscription.objects.count() == 1
        assert SentEmail.objects.filter(kind="subscription_started").count() == 1
    finally:
        second.terminate()
        second.wait(timeout=30)


def test_worker_commands_name_real_modules() -> None:
    assert (Path(ROOT) / "alphacode" / "celery.py").exists()
    assert app.main == "alphacode"
    assert "billing.tasks.process_stripe_event" in app.tasks
    assert "billing.tasks.send_email" in app.tasks
