"""Every email the site sends goes one way: recorded (an Email row, or a campaign's Recipient
row) and sent by mail.transport, over a real SMTP server (aiosmtpd) where the wire matters."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import smtplib
from http import HTTPStatus
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from celery import current_app
from django.test import Client
from django.utils import timezone

from alphacode.settings import mailers_from_url
from billing.emails import Kind
from mail.errors import EmailNotSent
from mail.models import Email
from mail.outbox import email_queue, email_send, emails_lost

from ..conftest import SmtpSink
from ..factories import UserFactory
from ..helpers import PASSWORD, code_from

pytestmark = pytest.mark.django_db


@pytest.fixture
def over_smtp(smtp_sink: SmtpSink, settings: Any) -> SmtpSink:
    settings.MAILERS = {"default": mailers_from_url(smtp_sink.url)}
    return smtp_sink


def on_the_wire(sink: SmtpSink, to: str) -> email.message.EmailMessage:
    [raw] = [raw for raw in sink.raw if f"To: {to}".encode() in raw]
    return email.message_from_bytes(raw, policy=email.policy.default)  # type: ignore[return-value]


def verified_user(address: str) -> Any:
    user = UserFactory(email=address, password=PASSWORD)
    EmailAddress.objects.create(user=user, email=address, verified=True, primary=True)
    return user


def test_a_billing_email_is_recorded_then_sent_over_smtp_with_its_recorded_message_id(
    over_smtp, django_capture_on_commit_callbacks
) -> None:
    user = UserFactory(email="ada@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        queued = email_queue(kind=Kind.WELCOME, cause=f"user-{user.pk}", user=user)
    assert queued.message_id  # known before it is sent
    recorded = Email.objects.get()
    wire = on_the_wire(over_smtp, "ada@example.com")
    assert recorded.kind == "welcome"
    assert recorded.to == "ada@example.com"
    assert recorded.user == user
    assert recorded.outcome == "sent"
    assert recorded.sent_at is not None
    assert recorded.subject == wire["Subject"] == "Welcome to Alpha Code"
    assert recorded.message_id == wire["Message-ID"]


def test_an_email_to_an_address_no_server_takes_is_failed_once_and_not_tried_again(
    over_smtp,
) -> None:
    user = UserFactory(email="ada@example.com")
    queued = email_queue(kind=Kind.WELCOME, cause=f"user-{user.pk}", user=user)
    Email.objects.filter(pk=queued.pk).update(to="ada at example dot com")  # no address
    email_send(email_id=queued.pk)  # no error raised: a retry would fail the same way
    failed = Email.objects.get()
    assert failed.outcome == "failed"
    assert failed.error.startswith("not retried: ValueError")
    assert failed.claimed_until is None
    assert emails_lost(now=timezone.now() + dt.timedelta(days=1)) == []  # never queued again
    assert over_smtp.raw == []


def test_an_email_queued_under_the_task_name_of_the_release_before_is_still_sent(
    over_smtp,
) -> None:
    # Queued, its task's message sent by the release before this one under billing's name.
    user = UserFactory(email="grace@example.com")
    queued = email_queue(kind=Kind.WELCOME, cause=f"user-{user.pk}", user=user)
    current_app.tasks["billing.tasks.send_email"].delay(queued.pk)
    assert Email.objects.get().outcome == "sent"
    assert on_the_wire(over_smtp, "grace@example.com")["Subject"] == "Welcome to Alpha Code"
    assert current_app.tasks["billing.tasks.requeue_lost_emails"].delay().result == 0


def test_a_sign_in_code_from_allauth_is_recorded_and_sent_without_keeping_the_code(
    over_smtp,
) -> None:
    user = verified_user("member@example.com")
    client = Client()
    response = client.post("/accounts/login/code/", {"email": "member@example.com"})
    assert response["Location"] == "/accounts/login/code/confirm/"
    wire = on_the_wire(over_smtp, "member@example.com")
    recorded = Email.objects.get()
    assert recorded.kind == "login_code"
    assert recorded.user == user
    assert recorded.outcome == "sent"
    assert recorded.by_task is False
    assert recorded.subject == wire["Subject"]
    assert recorded.message_id == wire["Message-ID"]
    body = wire.get_body(("plain",))
    assert body is not None
    code = code_from(type("Sent", (), {"body": body.get_content()})())  # type: ignore[arg-type]
    assert recorded.context == {}
    assert code not in str(Email.objects.values().get())  # the code is nowhere in the record
    # And the code on the wire signs the reader in.
    confirm = client.post("/accounts/login/code/confirm/", {"code": code})
    assert confirm.status_code == HTTPStatus.FOUND


def test_a_password_reset_and_the_notice_to_an_unknown_address_are_recorded(over_smtp) -> None:
    user = verified_user("member@example.com")
    Client().post("/accounts/password/reset/", {"email": "member@example.com"})
    Client().post("/accounts/password/reset/", {"email": "nobody@example.com"})
    reset = Email.objects.get(to="member@example.com")
    assert reset.kind == "password_reset_code"
    assert reset.user == user
    assert reset.outcome == "sent"
    assert reset.message_id == on_the_wire(over_smtp, "member@example.com")["Message-ID"]
    notice = Email.objects.get(to="nobody@example.com")
    assert notice.kind == "unknown_account"
    assert notice.user is None  # no account: recorded all the same
    assert notice.outcome == "sent"


def test_a_code_the_mail_server_refuses_is_recorded_as_failed_and_raised(over_smtp) -> None:
    verified_user("member@example.com")
    over_smtp.refuse_sender = "554 5.7.1 Account suspended"
    with pytest.raises(smtplib.SMTPSenderRefused) as refused:
        Client().post("/accounts/login/code/", {"email": "member@example.com"})
    assert "5.7.1" in str(refused.value)
    recorded = Email.objects.get()
    assert recorded.kind == "login_code"
    assert recorded.outcome == "failed"
    assert recorded.sent_at is None
    assert "Account suspended" in recorded.error
    assert recorded.claimed_until is None  # not left half-written as "sending"
    assert over_smtp.raw == []


def test_a_billing_email_the_server_refuses_is_recorded_as_failed_then_sent_by_its_retry(
    over_smtp,
) -> None:
    user = UserFactory(email="ada@example.com")
    queued = email_queue(kind=Kind.WELCOME, cause=f"user-{user.pk}", user=user)
    over_smtp.refuse_sender = "451 4.3.0 Try again later"
    with pytest.raises(EmailNotSent):
        email_send(email_id=queued.pk)
    failed = Email.objects.get()
    assert failed.outcome == "failed"
    assert "Try again later" in failed.error
    assert failed.claimed_until is None
    over_smtp.refuse_sender = None
    email_send(email_id=queued.pk)  # the task's retry
    sent = Email.objects.get()  # the same record, not a second one
    assert sent.outcome == "sent"
    assert sent.attempts == 2
    assert sent.error == ""
    assert len(over_smtp.raw) == 1


def test_a_message_built_by_django_is_declared_8bit_exactly_when_its_bytes_are(
    over_smtp, django_capture_on_commit_callbacks
) -> None:
    user = UserFactory(email="ada@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        for cause, amount in (("in_ascii", "USD 5.00"), ("in_euro", "€5.00 – für Größe")):
            email_queue(
                kind=Kind.PAYMENT_FAILED,
                cause=cause,
                user=user,
                context={"amount": amount, "portal_url": "https://example.com/portal/"},
            )
    assert len(over_smtp.raw) == 2
    for raw, options in zip(over_smtp.raw, over_smtp.mail_options, strict=True):
        assert ("BODY=8BITMIME" in options) == (not raw.isascii())
    assert [e.outcome for e in Email.objects.all()] == ["sent", "sent"]


def test_the_record_of_emails_is_read_only_in_the_admin(staff_client, over_smtp) -> None:
    user = UserFactory(email="ada@example.com")
    email_send(email_id=email_queue(kind=Kind.WELCOME, cause="u", user=user).pk)
    recorded = Email.objects.get()
    listing = staff_client.get("/admin/mail/email/")
    assert listing.status_code == HTTPStatus.OK
    assert "ada@example.com" in listing.content.decode()
    page = staff_client.get(f"/admin/mail/email/{recorded.pk}/change/")
    assert page.status_code == HTTPStatus.OK
    assert recorded.message_id.replace("<", "&lt;").replace(">", "&gt;") in page.content.decode()
    assert staff_client.get("/admin/mail/email/add/").status_code == HTTPStatus.FORBIDDEN
    assert staff_client.post(f"/admin/mail/email/{recorded.pk}/delete/").status_code == (
        HTTPStatus.FORBIDDEN
    )
