"""The worker path on real Redis: a real Celery worker processes webhooks and sends email,
retries transient errors, survives a broker outage, a worker killed mid-task and a worker killed
between sending an email and recording it."""

from __future__ import annotations

import signal
import subprocess
import time
from http import HTTPStatus
from pathlib import Path

import psycopg
import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.utils import timezone

from alphacode.celery import app
from billing.events import LOST_AFTER
from billing.models import StripeEvent, Subscription
from billing.tasks import requeue_stale_events
from mail.models import Email
from mail.outbox import email_queue, message_id
from mail.tasks import send_email

from ..conftest import (
    ROOT,
    WEBHOOK_SECRET,
    RedisServer,
    database_url,
    new_subscription,
    reset_broker_pools,
    wait_for,
    worker_process,
)
from ..factories import UserFactory
from ..fake_stripe import signed

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
    wait_for(lambda: Email.objects.filter(sent_at__isnull=False).exists())
    time.sleep(0.5)  # let any (wrongly) duplicated work show itself
    assert Subscription.objects.get().status == "active"
    assert StripeEvent.objects.get().attempts == 1
    started = [m for m in mail.outbox if m.subject == "Your Alpha Code subscription has started"]
    assert len(started) == 1
    assert started[0].to == ["ada@example.com"]
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
    assert event.attempts == 2
    assert event.error == ""
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

    def start() -> subprocess.Popen:
        return worker_process(
            on_broker.url,
            STRIPE_SECRET_KEY="sk_test_fake",
            STRIPE_API_BASE=fake_stripe.base_url,
            STRIPE_PRICE_ID="price_x",
            CELERY_VISIBILITY_TIMEOUT="5",
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
        assert event.state == "processed"
        assert event.attempts == 1
        assert Subscription.objects.count() == 1
        assert Email.objects.filter(kind="subscription_started").count() == 1
    finally:
        second.terminate()
        second.wait(timeout=30)


def test_worker_commands_name_real_modules() -> None:
    assert (Path(ROOT) / "alphacode" / "celery.py").exists()
    assert app.main == "alphacode"
    assert "billing.tasks.process_stripe_event" in app.tasks
    assert "mail.tasks.send_email" in app.tasks


def backend_waiting_to_record_a_send() -> int | None:
    """The Postgres backend of a worker whose update of a sent email waits for a row lock."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
            " AND wait_event_type = 'Lock' AND query ILIKE 'UPDATE %%mail_email%%'"
        )
        row = cursor.fetchone()
    return row[0] if row else None


def backend_alive(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid])
        return cursor.fetchone() is not None


@pytest.mark.slow
def test_a_worker_killed_between_send_and_commit_resends_with_the_same_message_id(
    on_broker, smtp_sink
) -> None:
    user = UserFactory(email="ada@example.com")
    email = email_queue(kind="welcome", cause=f"user-{user.pk}", user=user)
    # Once the mail server has the message, and before it answers, another connection locks
    # the row: the worker gets its 250 and then waits to record the send, uncommitted.
    holder = psycopg.connect(database_url())
    smtp_sink.before_reply = lambda: holder.execute(
        "SELECT 1 FROM mail_email WHERE id = %s FOR UPDATE", [email.pk]
    ).fetchone()
    env = {"EMAIL_URL": smtp_sink.url, "CELERY_VISIBILITY_TIMEOUT": "5"}
    first = worker_process(on_broker.url, **env)
    try:
        send_email.delay(email.pk)
        wait_for(lambda: backend_waiting_to_record_a_send() is not None, timeout=60)
        waiting = backend_waiting_to_record_a_send()
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        if first.poll() is None:
            first.kill()
        holder.rollback()
        holder.close()
    wait_for(lambda: not backend_alive(waiting))  # its transaction died with it
    email.refresh_from_db()
    assert len(smtp_sink.messages) == 1
    assert email.sent_at is None
    assert email.attempts == 1
    assert email.claimed_until is not None

    # Its claim lapses (time moved on explicitly), and the broker hands the task to a new worker.
    smtp_sink.before_reply = None
    Email.objects.filter(pk=email.pk).update(claimed_until=timezone.now())
    second = worker_process(on_broker.url, **env)
    try:
        wait_for(lambda: Email.objects.get(pk=email.pk).sent_at is not None, timeout=60)
    finally:
        second.terminate()
        second.wait(timeout=30)
    email.refresh_from_db()
    assert email.attempts == 2
    assert email.claimed_until is None
    first_id, second_id = (message["Message-ID"] for message in smtp_sink.messages)
    assert first_id == second_id == message_id(email.kind, email.cause)
    assert [message["To"] for message in smtp_sink.messages] == ["ada@example.com"] * 2
