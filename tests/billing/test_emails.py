"""The subscriber's emails: caused by Stripe's events, sent once per cause, with what the
reader needs in them and nothing of anyone else."""

from __future__ import annotations

import datetime as dt
import random
import re

import pytest
from django.core import mail

from mail.models import Email
from mail.outbox import email_queue, email_send, render_email

from ..conftest import new_subscription
from ..factories import UserFactory


def kinds() -> list[str]:
    return sorted(Email.objects.values_list("kind", flat=True))


def html_of(message) -> str:
    return message.alternatives[0].content


@pytest.mark.django_db
def test_subscription_started_once_whichever_event_comes_first(post_event, fake_stripe) -> None:
    user = UserFactory(email="ada@example.com")
    sub = new_subscription(fake_stripe, user)
    created = fake_stripe.event("customer.subscription.created", sub)
    session = {
        "id": "cs_test_1",
        "object": "checkout.session",
        "customer": sub["customer"],
        "client_reference_id": str(user.pk),
        "subscription": sub["id"],
        "metadata": {},
    }
    completed = fake_stripe.event("checkout.session.completed", session)
    for event in [created, completed, created, completed]:
        post_event(event)
    assert kinds() == ["subscription_started"]
    (message,) = mail.outbox
    assert message.to == ["ada@example.com"]
    assert message.subject == "Your Alpha Code subscription has started"
    period_end = dt.datetime.fromtimestamp(sub["items"]["data"][0]["current_period_end"], dt.UTC)
    renews = f"{period_end.day} {period_end:%b %Y}"
    for body in (message.body, html_of(message)):
        assert "$19.00" in body
        assert renews in body
        assert "/account/" in body


@pytest.mark.django_db
def test_payment_failed_once_per_invoice_with_a_portal_link(post_event, fake_stripe) -> None:
    user = UserFactory(email="ada@example.com")
    sub = new_subscription(fake_stripe, user, status="past_due")
    invoice = fake_stripe.invoice(sub["id"], status="open")
    event = fake_stripe.event("invoice.payment_failed", invoice)
    post_event(event)
    post_event(fake_stripe.event("invoice.payment_failed", invoice))  # Stripe's retry: new event
    assert kinds() == ["payment_failed"]
    (message,) = mail.outbox
    assert "update your card" in message.subject
    assert "http://127.0.0.1:8000/billing/portal/" in message.body
    assert 'href="http://127.0.0.1:8000/billing/portal/"' in html_of(message)
    second = fake_stripe.invoice(sub["id"], status="open")
    post_event(fake_stripe.event("invoice.payment_failed", second))
    assert kinds() == ["payment_failed", "payment_failed"]


@pytest.mark.django_db
def test_payment_action_required_links_the_hosted_invoice(post_event, fake_stripe) -> None:
    user = UserFactory(email="ada@example.com")
    sub = new_subscription(fake_stripe, user, status="incomplete")
    invoice = fake_stripe.invoice(sub["id"], status="open")
    post_event(fake_stripe.event("invoice.payment_action_required", invoice))
    (message,) = mail.outbox
    assert invoice["hosted_invoice_url"] in message.body
    assert f'href="{invoice["hosted_invoice_url"]}"' in html_of(message)


@pytest.mark.django_db
def test_canceled_once_with_the_date_access_ends(post_event, fake_stripe) -> None:
    user = UserFactory(email="ada@example.com")
    sub = new_subscription(fake_stripe, user)
    end = sub["items"]["data"][0]["current_period_end"]
    updated = fake_stripe.update_subscription(sub["id"], cancel_at_period_end=True)
    post_event(fake_stripe.event("customer.subscription.updated", updated))
    deleted = fake_stripe.cancel_subscription(sub["id"])
    post_event(fake_stripe.event("customer.subscription.deleted", deleted))
    assert kinds() == ["subscription_canceled", "subscription_started"]
    canceled = next(m for m in mail.outbox if "canceled" in m.subject)
    day = dt.datetime.fromtimestamp(end, dt.UTC)
    assert f"You keep full access until {day.day} {day:%b %Y}" in canceled.body


@pytest.mark.django_db
def test_shuffled_duplicate_deliveries_send_each_email_once(post_event, fake_stripe) -> None:
    user = UserFactory()
    sub = new_subscription(fake_stripe, user)
    events = [fake_stripe.event("customer.subscription.created", sub)]
    invoice = fake_stripe.invoice(sub["id"], status="open")
    events.append(fake_stripe.event("invoice.payment_failed", invoice))
    events.append(
        fake_stripe.event(
            "customer.subscription.deleted", fake_stripe.cancel_subscription(sub["id"])
        )
    )
    deliveries = events * 3
    random.Random(7).shuffle(deliveries)
    for event in deliveries:
        post_event(event)
    # The subscription is canceled by the time any event is processed (state sync), so it
    # never "started"; the failed payment and the cancellation each send once.
    assert sorted(kinds()) == ["payment_failed", "subscription_canceled"]
    assert len(mail.outbox) == 2


@pytest.mark.django_db
def test_a_retried_send_task_sends_once() -> None:
    user = UserFactory()
    email = email_queue(kind="welcome", cause=f"user-{user.pk}", user=user)
    email_send(email_id=email.pk)
    email_send(email_id=email.pk)
    assert len(mail.outbox) == 1
    assert Email.objects.get().sent_at is not None


@pytest.mark.django_db
def test_mail_server_failure_is_recorded_and_raised_for_a_retry(settings) -> None:
    from mail.errors import EmailNotSent

    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": 1, "timeout": 2},
        }
    }
    user = UserFactory()
    email = email_queue(kind="welcome", cause=f"user-{user.pk}", user=user)
    with pytest.raises(EmailNotSent):
        email_send(email_id=email.pk)
    stored = Email.objects.get()
    assert stored.sent_at is None
    assert stored.attempts == 1
    assert stored.error
    assert stored.claimed_until is None  # the retry need not wait for the claim to lapse


@pytest.mark.django_db
def test_an_email_another_sender_is_sending_is_not_sent_again() -> None:
    from django.utils import timezone

    from mail.errors import EmailClaimed

    user = UserFactory()
    email = email_queue(kind="welcome", cause=f"user-{user.pk}", user=user)
    claimed_until = timezone.now() + dt.timedelta(minutes=4)
    Email.objects.filter(pk=email.pk).update(attempts=1, claimed_until=claimed_until)
    with pytest.raises(EmailClaimed) as claimed:
        email_send(email_id=email.pk)
    assert claimed.value.until == claimed_until
    assert mail.outbox == []
    assert Email.objects.get().attempts == 1


@pytest.mark.django_db
def test_every_send_of_an_email_carries_the_message_id_of_its_cause(settings) -> None:
    settings.SITE_URL = "http://127.0.0.1:8000"
    ada, bob = UserFactory(), UserFactory()
    welcome = email_queue(kind="welcome", cause=f"user-{ada.pk}", user=ada)
    other = email_queue(kind="welcome", cause=f"user-{bob.pk}", user=bob)
    first = render_email(welcome).message()["Message-ID"]
    assert render_email(welcome).message()["Message-ID"] == first
    assert render_email(other).message()["Message-ID"] != first
    assert first.startswith("<welcome.")
    assert first.endswith("@127.0.0.1>")
    assert f"user-{ada.pk}" not in first
    email_send(email_id=welcome.pk)
    assert mail.outbox[0].message()["Message-ID"] == first


@pytest.mark.django_db
def test_emails_carry_nothing_from_another_user() -> None:
    ada, bob = UserFactory(email="ada@example.com"), UserFactory(email="bob@example.com")
    contexts = {
        "welcome": {},
        "subscription_started": {"amount": "$19.00", "renews_on": "12 Dec 2026"},
        "payment_failed": {"amount": "$19.00", "portal_url": "http://x/billing/portal/"},
        "payment_action_required": {"amount": "$19.00", "invoice_url": "https://pay/in_ada"},
        "subscription_canceled": {"access_until": "12 Dec 2026", "ended": False},
    }
    for kind, context in contexts.items():
        email_queue(kind=kind, cause=f"{kind}-bob", user=bob, context={})
        email = email_queue(kind=kind, cause=f"{kind}-ada", user=ada, context=context)
        message = render_email(email)
        text, html = message.body, html_of(message)
        assert message.to == ["ada@example.com"]
        assert "bob@example.com" not in text + html + message.subject
        assert "ada@example.com" in html  # the footer says whose account it is
        assert "{{" not in text + html
        assert "{%" not in text + html
        for value in context.values():
            if isinstance(value, str):
                assert value in text, (kind, value)
                assert value in html, (kind, value)


@pytest.mark.django_db
def test_billing_emails_share_the_layout_with_its_css_inlined() -> None:
    """Billing emails use the one email layout (templates/emails/base.html): its stylesheet is
    inlined by css-inline for clients that drop <style>, and its dark-mode rules are kept."""
    ada = UserFactory(email="ada@example.com")
    contexts = {
        "welcome": {},
        "subscription_started": {"amount": "$19.00", "renews_on": "12 Dec 2026"},
        "payment_failed": {"amount": "$19.00", "portal_url": "http://x/billing/portal/"},
    }
    for kind, context in contexts.items():
        html = html_of(render_email(email_queue(kind=kind, cause=kind, user=ada, context=context)))
        assert re.search(r'<h1 style="[^"]*font-size: ?24px', html), kind
        assert re.search(r'<td class="foot" style="[^"]*border-top: 1px solid #e2e6ee', html)
        assert "@media (prefers-color-scheme: dark)" in html
        assert "Your account" in html
        if kind != "subscription_started":
            button = r'<a class="button" href="[^"]+" style="[^"]*background: #1d4ed8'
            assert re.search(button, html)
        else:
            assert re.search(r'<th scope="row" style="[^"]*color: #4a5568', html)
