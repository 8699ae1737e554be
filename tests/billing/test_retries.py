"""One chain of attempts per Stripe event: during an outage the attempts back off as one chain,
and the beat sweep starts another only for an event whose chain was lost. Emails whose task was
lost are queued again by a sweep of their own."""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from alphacode.celery import app
from billing.emails import Kind
from billing.events import LOST_AFTER
from billing.models import StripeEvent, Subscription
from billing.tasks import requeue_stale_events
from mail.models import Email
from mail.outbox import LOST_AFTER as EMAIL_LOST_AFTER
from mail.outbox import email_queue
from mail.tasks import requeue_lost_emails

from ..conftest import free_port, new_subscription
from ..factories import UserFactory

pytestmark = pytest.mark.django_db

MINUTE = dt.timedelta(minutes=1)


class BrokerQueue:
    """The tasks waiting in the real broker, taken as a worker takes them and run when the test
    says their time has come: a worker whose clock the test drives. Each runs its real code."""

    def __init__(self) -> None:
        self.waiting: list[tuple[dt.datetime, str, list]] = []

    def collect(self) -> None:
        with app.connection_for_read() as connection:
            queue = connection.SimpleQueue(app.conf.task_default_queue)
            while True:
                try:
                    message = queue.get(block=False)
                except queue.Empty:
                    break
                args, _kwargs, _embed = message.decode()
                eta = message.headers.get("eta")
                due = dt.datetime.fromisoformat(eta) if eta else timezone.now()
                self.waiting.append((due, message.headers["task"], args))
                message.ack()
            queue.close()
        self.waiting.sort(key=lambda task: task[0])

    def next_due(self) -> dt.datetime | None:
        return self.waiting[0][0] if self.waiting else None

    def run_next(self) -> None:
        _due, name, args = self.waiting.pop(0)
        # A worker logs a failed task and goes on.
        with contextlib.suppress(Exception):
            app.tasks[name](*args)


def test_a_ten_minute_stripe_outage_is_one_chain_of_attempts_not_one_per_sweep(
    on_broker, fake_stripe, post_event
) -> None:
    sub = new_subscription(fake_stripe, UserFactory())
    start = timezone.now()
    back_at = start + 10 * MINUTE
    sweeps = [start + n * 2 * MINUTE for n in range(1, 16)]  # beat: every 2 minutes
    queue = BrokerQueue()
    attempts_at: list[dt.datetime] = []
    swept: list[int] = []
    most_waiting = 0
    with time_machine.travel(start, tick=False) as clock:
        fake_stripe.fail_next = [503] * 1000  # Stripe answers nothing but errors...
        assert (
            post_event(fake_stripe.event("customer.subscription.created", sub)).status_code == 200
        )
        queue.collect()
        while StripeEvent.objects.get().state == "pending" and sweeps:
            most_waiting = max(most_waiting, len(queue.waiting))
            due = queue.next_due()
            if due is not None and due < sweeps[0]:
                clock.move_to(max(due, timezone.now()))
                if timezone.now() >= back_at:
                    fake_stripe.fail_next.clear()  # ...for ten minutes
                before = StripeEvent.objects.get().attempts
                queue.run_next()
                if StripeEvent.objects.get().attempts > before:
                    attempts_at.append(timezone.now())
            else:
                clock.move_to(sweeps.pop(0))
                swept.append(requeue_stale_events())
            queue.collect()

    event = StripeEvent.objects.get()
    assert event.state == "processed"
    assert event.error == ""
    assert Subscription.objects.get().status == "active"
    assert most_waiting == 1  # one chain: never two attempts queued at once
    assert swept
    assert sum(swept) == 0
    # The attempts back off as one chain: each wait at least as long as the one before.
    during = [at for at in attempts_at if at < back_at]
    gaps = [later - earlier for earlier, later in itertools.pairwise(during)]
    assert gaps == sorted(gaps)
    assert gaps[-1] >= 2 * MINUTE
    assert 6 <= len(during) <= 11
    assert event.attempts == len(attempts_at) == len(during) + 1


def test_the_sweep_starts_one_new_chain_for_an_event_whose_chain_was_lost(
    on_broker, fake_stripe, post_event
) -> None:
    sub = new_subscription(fake_stripe, UserFactory())
    post_event(fake_stripe.event("customer.subscription.created", sub))
    queue = BrokerQueue()
    queue.collect()
    queue.waiting.clear()  # the broker lost the message
    later = timezone.now() + LOST_AFTER + MINUTE
    assert requeue_stale_events(now=later) == 1
    assert requeue_stale_events(now=later + MINUTE) == 0  # claimed: its attempt is due now
    queue.collect()
    assert len(queue.waiting) == 1
    queue.run_next()
    assert StripeEvent.objects.get().state == "processed"


def test_a_superseded_attempt_does_nothing(on_broker, fake_stripe, post_event) -> None:
    sub = new_subscription(fake_stripe, UserFactory())
    post_event(fake_stripe.event("customer.subscription.created", sub))
    queue = BrokerQueue()
    queue.collect()
    # The worker was only slow: the sweep takes the event over, then the old attempt runs.
    assert requeue_stale_events(now=timezone.now() + LOST_AFTER + MINUTE) == 1
    queue.collect()
    stale, current = queue.waiting[0], queue.waiting[1]
    queue.waiting = [stale]
    queue.run_next()
    assert StripeEvent.objects.get().attempts == 0
    queue.waiting = [current]
    queue.run_next()
    event = StripeEvent.objects.get()
    assert event.state == "processed"
    assert event.attempts == 1


def test_an_email_whose_task_the_broker_lost_is_sent_once_by_the_sweep(
    on_broker, django_capture_on_commit_callbacks
) -> None:
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        email_queue(
            kind=Kind.PAYMENT_FAILED,
            cause="in_lost",
            user=user,
            context={"amount": "$19"},
        )
    queue = BrokerQueue()
    queue.collect()
    assert [name for _due, name, _args in queue.waiting] == ["mail.tasks.send_email"]
    queue.waiting.clear()  # the broker lost the message (a restart without persistence)
    now = timezone.now()
    assert requeue_lost_emails(now=now + MINUTE) == 0  # not yet: its task may only be late
    assert requeue_lost_emails(now=now + EMAIL_LOST_AFTER + MINUTE) == 1
    queue.collect()
    queue.run_next()
    assert [message.to for message in mail.outbox] == [[user.email]]
    assert requeue_lost_emails(now=now + EMAIL_LOST_AFTER + 2 * MINUTE) == 0


def test_the_email_sweep_leaves_an_email_in_its_own_retries_alone(on_broker) -> None:
    user = UserFactory()
    Email.objects.create(
        kind=Kind.PAYMENT_FAILED,
        cause="in_refused",
        user=user,
        to=user.email,
        attempts=1,
        error="SMTPRecipientsRefused: try later",
    )
    later = timezone.now() + EMAIL_LOST_AFTER + MINUTE
    assert requeue_lost_emails(now=later) == 0


def test_an_event_met_by_a_cache_outage_is_tried_again_not_failed(
    on_broker, fake_stripe, post_event, settings
) -> None:
    sub = new_subscription(fake_stripe, UserFactory())
    post_event(fake_stripe.event("customer.subscription.created", sub))
    queue = BrokerQueue()
    queue.collect()
    working = settings.CACHES["default"]
    # Processing must retire the reader's cached access, and the cache's Redis is away.
    settings.CACHES = {
        **settings.CACHES,
        "default": {**working, "LOCATION": f"redis://127.0.0.1:{free_port()}/0"},
    }
    queue.run_next()
    event = StripeEvent.objects.get()
    assert event.state == "pending"
    assert event.error.startswith("will retry: ConnectionError")
    assert not Subscription.objects.exists()  # nothing half-written

    settings.CACHES = {**settings.CACHES, "default": working}
    queue.collect()  # the event's own next attempt
    queue.run_next()
    event = StripeEvent.objects.get()
    assert event.state == "processed"
    assert Subscription.objects.get().status == "active"
