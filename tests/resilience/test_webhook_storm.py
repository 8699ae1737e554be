"""Webhook storm against the deployment's shape: two gunicorn processes and two Celery workers
(real processes with production settings, on the test database), a Redis of the test's own that
is stopped and restarted mid-storm, the fake Stripe API over HTTP and an SMTP server that keeps
what it is sent. 300 signed events for 30 subscriptions, each delivered 1 to 3 times, shuffled,
spread over both servers by 8 concurrent senders. Every subscription ends in Stripe's state,
every email is delivered once, nothing is left pending in the database or in the broker."""

from __future__ import annotations

import datetime as dt
import logging
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
import redis
from aiosmtpd.controller import Controller
from django.utils import timezone

from alphacode.celery import app
from billing.events import LOST_AFTER
from billing.models import StripeEvent, Subscription
from billing.tasks import requeue_stale_events
from mail.models import Email
from mail.outbox import LOST_AFTER as EMAIL_LOST_AFTER
from mail.outbox import render_email
from mail.tasks import requeue_lost_emails

from ..conftest import (
    ROOT,
    WEBHOOK_SECRET,
    RedisServer,
    database_url,
    free_port,
    reset_broker_pools,
    tasks_sent_to,
    wait_for,
)
from ..factories import UserFactory
from ..fake_stripe import FakeStripe, deliver_over_http

MINUTE = dt.timedelta(minutes=1)

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

SUBSCRIPTIONS = 30
FINAL_STATES = [  # (status, cancel_at_period_end), by subscription index modulo 5
    ("active", False),
    ("active", True),
    ("canceled", False),
    ("past_due", False),
    ("trialing", False),
]


def build_storm(fake: FakeStripe) -> tuple[list[dict], dict[str, dict], set[tuple[str, str]]]:
    """The events, each subscription's final state in Stripe, and the (address, kind) of every
    email the storm must cause."""
    price = next(iter(fake.prices.values()))
    events: list[dict] = []
    expected: dict[str, dict] = {}
    emails: set[tuple[str, str]] = set()
    for index in range(SUBSCRIPTIONS):
        user = UserFactory(email=f"storm{index}@example.com")
        customer = fake.new_id("cus")
        fake.customers[customer] = {"id": customer, "object": "customer"}
        sub = fake.subscription_object(
            customer=customer, price=price, metadata={"user_id": str(user.pk)}, status="incomplete"
        )
        fake.subscriptions[sub["id"]] = sub
        active = fake.update_subscription(sub["id"], status="active")
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
            fake.event("customer.subscription.updated", active),
            fake.event("customer.subscription.updated", final),
            fake.event("customer.subscription.updated", active),
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
        emails |= {(user.email, "payment_failed"), (user.email, "payment_action_required")}
        if status in ("active", "trialing"):
            emails.add((user.email, "subscription_started"))
        if status == "canceled" or cancel_at_end:
            emails.add((user.email, "subscription_canceled"))
    return events, expected, emails


class MailSink:
    """An SMTP server on a local port that keeps every message it is given."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.lock = threading.Lock()
        self.controller = Controller(self, hostname="127.0.0.1", port=free_port())

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.controller.port}"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.original_content, policy=policy.default)
        with self.lock:
            self.messages.append(message)
        return "250 Message accepted for delivery"


@pytest.fixture
def mail_sink() -> Iterator[MailSink]:
    sink = MailSink()
    smtp_log = logging.getLogger("mail.log")
    level = smtp_log.level
    smtp_log.setLevel(logging.WARNING)  # a line per SMTP command otherwise
    sink.controller.start()
    yield sink
    sink.controller.stop()
    smtp_log.setLevel(level)


@pytest.fixture
def storm_redis() -> Iterator[RedisServer]:
    server = RedisServer(appendonly=True)
    server.start()
    with tasks_sent_to(server):
        yield server
    server.stop()
    shutil.rmtree(server.dir, ignore_errors=True)


@dataclass
class Replicas:
    """The processes the storm runs against, and where each writes its log."""

    servers: list[str] = field(default_factory=list)
    processes: list[tuple[str, subprocess.Popen, Path]] = field(default_factory=list)

    def start(self, name: str, command: list[str], env: dict[str, str], logs: Path) -> None:
        log = logs / f"{name}.log"
        with log.open("wb") as out:
            # A session of its own, so the process and whatever it forks can be ended together.
            process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=out, stderr=out, start_new_session=True
            )
        self.processes.append((name, process, log))

    def logs(self) -> str:
        return "\n".join(
            f"--- {name} (exit {process.poll()}):\n{log.read_text(errors='replace')[-3000:]}"
            for name, process, log in self.processes
        )

    def stop(self) -> None:
        for _, process, _ in self.processes:
            if process.poll() is None:
                process.terminate()
        for _, process, _ in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)


def answers(base_url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base_url}/healthz", timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


@pytest.fixture
def replicas(
    transactional_db,
    fake_stripe: FakeStripe,
    storm_redis: RedisServer,
    mail_sink: MailSink,
    tmp_path,
) -> Iterator[Replicas]:
    """Two gunicorn processes and two Celery workers, as docker compose runs them."""
    ports = [free_port(), free_port()]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "alphacode.settings",
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": "storm-test-secret-key-" + "x" * 40,
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "DJANGO_SECURE_SSL_REDIRECT": "0",
            "DJANGO_STATIC_ROOT": str(tmp_path / "static"),
            "SITE_URL": f"http://127.0.0.1:{ports[0]}",
            "DATABASE_URL": database_url(),
            "DATABASE_POOL_MIN": "1",
            "DATABASE_POOL_MAX": "4",
            "REDIS_URL": storm_redis.url,
            "EMAIL_URL": mail_sink.url,
            "STRIPE_SECRET_KEY": "sk_test_fake",
            "STRIPE_API_BASE": fake_stripe.base_url,
            "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "STRIPE_PRICE_ID": next(iter(fake_stripe.prices)),
            # A task the worker lost with its broker connection is handed out again once the
            # visibility timeout has passed: seconds here, so the test sees it (default 600 s).
            "CELERY_VISIBILITY_TIMEOUT": "5",
            "LOG_LEVEL": "WARNING",
        }
    )
    running = Replicas()
    try:
        for number, port in enumerate(ports, start=1):
            running.start(
                f"web{number}",
                [
                    *(sys.executable, "-m", "gunicorn", "alphacode.wsgi:application"),
                    *("--bind", f"127.0.0.1:{port}", "--workers", "1", "--threads", "4"),
                    *("--timeout", "30", "--graceful-timeout", "10"),
                ],
                env,
                tmp_path,
            )
            running.servers.append(f"http://127.0.0.1:{port}")
        for number in (1, 2):
            running.start(
                f"worker{number}",
                [
                    *(sys.executable, "-m", "celery", "-A", "alphacode", "worker"),
                    *("--loglevel=WARNING", "--concurrency=2", f"--hostname=storm{number}@%h"),
                ],
                env,
                tmp_path,
            )
        try:
            wait_for(lambda: all(answers(url) for url in running.servers), timeout=60)
            wait_for(lambda: len(app.control.ping(timeout=0.5)) == 2, timeout=60)
        except AssertionError as exc:
            raise AssertionError(f"{exc}\n{running.logs()}") from None
        yield running
    finally:
        running.stop()


def broker_backlog(server: RedisServer) -> tuple[int, int]:
    """Tasks waiting in the queue, and tasks handed to a worker and not yet acknowledged."""
    client = redis.Redis.from_url(server.url)
    try:
        return client.llen("celery"), client.hlen("unacked")
    finally:
        client.close()


def test_a_storm_on_two_servers_and_two_workers_through_a_redis_restart_converges_mailing_once(
    fake_stripe: FakeStripe, replicas: Replicas, storm_redis: RedisServer, mail_sink: MailSink
) -> None:
    events, expected, expected_emails = build_storm(fake_stripe)
    assert len(events) == 10 * SUBSCRIPTIONS
    rng = random.Random(2026)
    deliveries = [event for event in events for _ in range(rng.randint(1, 3))]
    rng.shuffle(deliveries)
    third = len(deliveries) // 3
    before, during, after = (
        deliveries[:third],
        deliveries[third : 2 * third],
        deliveries[2 * third :],
    )

    def storm(part: list[dict]) -> Counter:
        def send(numbered: tuple[int, dict]) -> int:
            index, event = numbered
            return deliver_over_http(replicas.servers[index % 2], event, WEBHOOK_SECRET)

        with ThreadPoolExecutor(max_workers=8) as senders:
            return Counter(senders.map(send, enumerate(part)))

    statuses = storm(before)
    storm_redis.stop()  # while the workers are still busy with the first third
    statuses += storm(during)
    first_seen_during = {e["id"] for e in during} - {e["id"] for e in before}
    # Stored and answered, but not queued: the broker was down.
    assert StripeEvent.objects.filter(id__in=first_seen_during, state="pending").count() == len(
        first_seen_during
    )
    storm_redis.start()
    reset_broker_pools()
    statuses += storm(after)
    assert statuses == {200: len(deliveries)}
    # Beat's sweeps, as they run every two minutes, once what the outage lost is three minutes
    # overdue: first the events stored while Redis was down...
    requeue_stale_events(now=timezone.now() + LOST_AFTER + MINUTE)

    def quiet() -> bool:
        return (
            StripeEvent.objects.filter(state="processed").count() == len(events)
            and not Email.objects.filter(
                sent_at__isnull=True, claimed_until__gt=timezone.now()
            ).exists()
            and broker_backlog(storm_redis) == (0, 0)
        )

    wait_for(quiet, timeout=60)
    # ...then the emails recorded while it was down, whose tasks were never queued.
    requeue_lost_emails(now=timezone.now() + EMAIL_LOST_AFTER + MINUTE)

    def settled() -> bool:
        return (
            StripeEvent.objects.filter(state="processed").count() == len(events)
            and not Email.objects.filter(sent_at__isnull=True).exists()
            and len(mail_sink.messages) >= len(expected_emails)
            and broker_backlog(storm_redis) == (0, 0)
        )

    try:
        wait_for(settled, timeout=60)
    except AssertionError as exc:
        states = Counter(StripeEvent.objects.values_list("state", flat=True))
        errors = set(StripeEvent.objects.exclude(error="").values_list("error", flat=True))
        unsent = list(
            Email.objects.filter(sent_at__isnull=True).values_list(
                "pk", "kind", "attempts", "created_at"
            )
        )
        raise AssertionError(
            f"{exc}: events {dict(states)}, errors {errors}, unsent emails {unsent}, "
            f"delivered {len(mail_sink.messages)} of {len(expected_emails)}, "
            f"broker backlog (queued, unacknowledged) {broker_backlog(storm_redis)}\n"
            f"{replicas.logs()}"
        ) from None

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
    recorded = list(Email.objects.all())
    assert {(email.to, email.kind) for email in recorded} == expected_emails
    delivered = Counter((message["To"], message["Subject"]) for message in mail_sink.messages)
    assert delivered == Counter((email.to, render_email(email).subject) for email in recorded)
