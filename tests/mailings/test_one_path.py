"""A campaign's email goes the site's one way for email (mail.transport) with its bytes built
once per campaign, and its Recipient row is its record (no mail.Email row)."""

from __future__ import annotations

from typing import Any

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from alphacode.settings import mailers_from_url
from mail.models import Email
from mail.transport import Prebuilt
from mailings.models import Recipient
from mailings.sending import render_message

from ..conftest import SmtpSink
from .conftest import announce

pytestmark = pytest.mark.django_db


@pytest.fixture
def over_smtp(smtp_sink: SmtpSink, settings: Any) -> SmtpSink:
    settings.MAILERS = {"default": mailers_from_url(smtp_sink.url)}
    return smtp_sink


def test_a_campaign_sends_its_prebuilt_bytes_over_smtp_and_its_recipient_row_is_the_record(
    premium, readers, over_smtp, django_capture_on_commit_callbacks
) -> None:
    # The clock stands still: the unsubscribe link's signature carries the second it is made.
    with time_machine.travel(timezone.now(), tick=False):
        campaign, _ = announce(premium, "members", django_capture_on_commit_callbacks)
        sent = Recipient.objects.filter(campaign=campaign, status="sent")
        assert sent.count() == len(over_smtp.raw) == 3
        assert not Email.objects.exists()  # not recorded twice
        row = Recipient.objects.select_related("user", "campaign__guide").get(
            user=readers["subscriber"]
        )
        prebuilt = render_message(row, campaign)
    assert isinstance(prebuilt, Prebuilt)  # no Django message built for this reader

    def undated(raw: bytes) -> list[bytes]:
        return [line for line in raw.split(b"\r\n") if not line.startswith(b"Date: ")]

    received = next(raw for raw in over_smtp.raw if b"To: sub@example.com" in raw)
    # The bytes on the wire are the ones built once, with this reader's values (the Date header
    # is the time each is made).
    assert undated(received) == undated(prebuilt.raw)
    assert "BODY=8BITMIME" not in over_smtp.mail_options[0] or not prebuilt.raw.isascii()


def test_a_prebuilt_email_reaches_a_mailer_that_cannot_take_bytes_as_a_django_message(
    premium, readers, django_capture_on_commit_callbacks
) -> None:
    announce(premium, "members", django_capture_on_commit_callbacks)  # locmem, in tests
    assert sorted(message.to[0] for message in mail.outbox) == sorted(
        ["sub@example.com", "member@example.com", "quiet@example.com"]
    )
    assert all(message.extra_headers["List-Unsubscribe"] for message in mail.outbox)
    assert not Email.objects.exists()
