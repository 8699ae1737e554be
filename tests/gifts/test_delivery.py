"""Sending a gift: at once when it is paid for now (or its day has come), else on its day by
the beat's hourly task, once however often the task runs."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.utils import timezone

from gifts.models import Gift
from gifts.tasks import deliver_scheduled_gifts
from mail.models import Email

from ..conftest import WEBHOOK_SECRET, signed_in, wait_for
from ..factories import UserFactory
from ..fake_stripe import deliver_over_http
from .conftest import gift_form, redeem_path_in_mail


def recipient_mail() -> list:
    return [m for m in mail.outbox if m.to == ["friend@example.com"]]


@pytest.mark.django_db
def test_a_gift_for_now_is_emailed_to_the_recipient_at_once(buy) -> None:
    gift = buy(message="Knock them dead, Ada & co.")
    assert gift.delivered_at is not None
    (message,) = recipient_mail()
    assert message.subject == "Grace Hopper gave you 3 months of Alpha Code"
    assert "Knock them dead, Ada & co." in message.body  # plain text, not HTML-escaped
    assert "Knock them dead, Ada &amp; co." in message.alternatives[0].content
    assert redeem_path_in_mail("friend@example.com").startswith("/gift/redeem/")
    # Not a member (yet): the email says why it came, and links to no account.
    assert "because Grace Hopper gave Alpha Code to this address (friend@example.com)" in (
        message.body
    )
    assert "have an Alpha Code account" not in message.alternatives[0].content
    assert Email.objects.get(kind="gift_received").to == "friend@example.com"


@pytest.mark.django_db
def test_a_gift_for_today_is_sent_at_once(buy) -> None:
    gift = buy(when="date", deliver_on=timezone.now().date().isoformat())
    assert gift.delivered_at is not None
    assert len(recipient_mail()) == 1


@pytest.mark.django_db
def test_a_gift_for_a_later_day_is_sent_by_the_beat_on_that_day_once(
    buy, django_capture_on_commit_callbacks
) -> None:
    day = timezone.now().date() + dt.timedelta(days=10)
    gift = buy(when="date", deliver_on=day.isoformat())
    assert gift.deliver_on == day
    assert gift.delivered_at is None
    assert not recipient_mail()
    receipt = next(m for m in mail.outbox if m.to == ["grace@example.com"])
    assert f"on {day.day} {day:%b %Y}, at 09:00 UTC" in receipt.body

    # The day before, and on the day before 09:00 UTC: nothing.
    early = dt.datetime.combine(day, dt.time(8, 59), tzinfo=dt.UTC)
    assert deliver_scheduled_gifts(now=early - dt.timedelta(days=1)) == 0
    assert deliver_scheduled_gifts(now=early) == 0
    assert not recipient_mail()

    # The hourly pass at 09:01 UTC sends it; the next passes send nothing more.
    on_time = dt.datetime.combine(day, dt.time(9, 1), tzinfo=dt.UTC)
    with (
        time_machine.travel(on_time, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        # .result: an eager task's answer (get() refuses once a real worker ran in this process)
        assert deliver_scheduled_gifts.delay().result == 1
        assert deliver_scheduled_gifts.delay().result == 0
    assert deliver_scheduled_gifts(now=on_time + dt.timedelta(hours=1)) == 0
    assert len(recipient_mail()) == 1
    assert Gift.objects.get().delivered_at == on_time


@pytest.mark.django_db
def test_a_gift_missed_on_its_day_is_sent_by_the_next_pass(
    buy, django_capture_on_commit_callbacks
) -> None:
    day = timezone.now().date() + dt.timedelta(days=2)
    buy(when="date", deliver_on=day.isoformat())
    # Beat was down all that day: the first pass after it, early the next morning, sends it.
    next_morning = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(6), tzinfo=dt.UTC)
    with django_capture_on_commit_callbacks(execute=True):
        assert deliver_scheduled_gifts(now=next_morning) == 1
    assert len(recipient_mail()) == 1


@pytest.mark.django_db
def test_a_gift_paid_for_after_its_day_is_sent_at_once(client, giver, fake_stripe, post_event):
    day = timezone.now().date() + dt.timedelta(days=1)
    response = client.post("/gift/", gift_form(when="date", deliver_on=day.isoformat()))
    session_id = response["Location"].rsplit("/", 1)[1]
    fake_stripe.complete_payment(session_id)
    # A payment that settles after a delay: Stripe tells us two days later.
    with time_machine.travel(timezone.now() + dt.timedelta(days=2)):
        post_event(
            fake_stripe.event(
                "checkout.session.async_payment_succeeded", fake_stripe.sessions[session_id]
            )
        )
    gift = Gift.objects.get()
    assert gift.state == "paid"
    assert gift.delivered_at is not None
    assert len(recipient_mail()) == 1


@pytest.mark.django_db
def test_the_beat_schedule_runs_the_delivery_hourly() -> None:
    entry = next(
        e
        for e in settings.CELERY_BEAT_SCHEDULE.values()
        if e["task"] == "gifts.tasks.deliver_scheduled_gifts"
    )
    assert entry["schedule"].minute == {1}
    assert len(entry["schedule"].hour) == 24


@pytest.mark.django_db(transaction=True)
def test_the_paid_event_posted_to_the_live_endpoint_sends_the_gift(site, fake_stripe) -> None:
    giver = UserFactory(email="grace@example.com", name="Grace Hopper")
    response = signed_in(giver).post("/gift/", gift_form())
    session_id = response["Location"].rsplit("/", 1)[1]
    fake_stripe.complete_payment(session_id)
    event = fake_stripe.event("checkout.session.completed", fake_stripe.sessions[session_id])
    assert deliver_over_http(site, event, WEBHOOK_SECRET) == 200
    wait_for(lambda: Gift.objects.get().delivered_at is not None)
    wait_for(lambda: len(recipient_mail()) == 1)
    assert Gift.objects.get().state == "paid"
