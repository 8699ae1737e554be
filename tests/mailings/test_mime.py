"""Members' email on the wire. An announcement is built once per campaign and each reader's
message is that one with their values put in (mailings.mime): it must read exactly as the one
Django builds for them, keep List-Unsubscribe one link, keep every line within RFC 5322's 998
characters, and leave readers the bytes cannot carry (a non-ASCII address) to Django."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import re
import time
from typing import Any

import pytest
from django.utils import timezone

from alphacode.settings import mailers_from_url
from mailings.mime import list_email
from mailings.models import Campaign, Recipient
from mailings.sending import _render, message_id, render_message
from mailings.services import unsubscribe_url

from ..conftest import SmtpSink
from ..factories import make_guide
from .conftest import announce, member

pytestmark = pytest.mark.django_db

ONE_LINK = re.compile(
    rb"^List-Unsubscribe: <https?://[^\s>]+/email/unsubscribe/[^\s/]+/>\r?$", re.M
)


def reading(raw: bytes) -> tuple[dict[str, str], str, str]:
    """What a mail client shows of a message: its headers (but the date and the MIME boundary,
    which differ from one build to the next), its text and its HTML."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    headers = {
        name: str(value) for name, value in message.items() if name not in {"Date", "Content-Type"}
    }
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None
    assert html is not None
    return headers, text.get_content(), html.get_content()


def longest_line(raw: bytes) -> int:
    return max(len(line) for line in raw.splitlines())


def built_by_django(row: Recipient, link: str) -> bytes:
    """The reader's announcement as Django builds it, rendered with their own values (no
    tokens) and this unsubscribe link (its signature carries the time it was made): what the
    bytes built once per campaign must read as."""
    rendered = _render(row.campaign, {"email": row.email, "unsubscribe_url": link})
    message = list_email(rendered, to=row.email, message_id=message_id(row), unsubscribe=link)
    return message.message(policy=email.policy.SMTP).as_bytes()


def header_lines(raw: bytes) -> list[bytes]:
    return raw.split(b"\r\n\r\n", 1)[0].split(b"\r\n")


@pytest.fixture
def over_smtp(smtp_sink: SmtpSink, settings: Any) -> SmtpSink:
    settings.MAILERS = {"default": mailers_from_url(smtp_sink.url)}
    return smtp_sink


def test_an_announcement_built_once_reads_as_the_one_django_builds_for_each_reader(
    premium, readers, over_smtp, django_capture_on_commit_callbacks
):
    odd = member("o'neil&co@example.com")  # valid, and both characters are escaped in HTML
    announce(premium, "members", django_capture_on_commit_callbacks)
    assert len(over_smtp.raw) == 4
    for raw in over_smtp.raw:
        assert ONE_LINK.search(raw), "List-Unsubscribe is one link, not folded or encoded"
        assert longest_line(raw) <= 998
        assert not re.search(rb"quoted-printable|base64", raw)
    for reader in (readers["subscriber"], odd):
        row = Recipient.objects.select_related("user", "campaign__guide").get(user=reader)
        message = render_message(row, row.campaign)
        assert message is not None
        assert message.raw is not None  # the bytes built once
        received = next(r for r in over_smtp.raw if f"To: {reader.email}".encode() in r)
        link = reading(received)[0]["List-Unsubscribe"].strip("<>")
        assert link.startswith(
            unsubscribe_url(reader, "announcements", reader.email).rsplit(":", 2)[0]
        )
        assert reading(received) == reading(built_by_django(row, link))
        headers, text, html = reading(received)
        assert headers["To"] == reader.email
        assert headers["Message-ID"].startswith("<campaign.")
        assert f"({reader.email})" in text
    _, text, html = reading(next(r for r in over_smtp.raw if b"To: o'neil" in r))
    assert "o'neil&amp;co@example.com" in html
    assert "o'neil&co@example.com" not in html
    # Bodies with UTF-8 in them are declared 8-bit to a server that takes it (RFC 6152).
    assert "BODY=8BITMIME" in over_smtp.mail_options[0]


@pytest.mark.parametrize("word", ["word", "größe", "日本語"])
def test_a_long_intro_paragraph_keeps_every_line_within_the_limit(
    word, readers, over_smtp, django_capture_on_commit_callbacks
):
    # About 5,000 characters on one line: up to 3 bytes each.
    paragraph = " ".join(f"{word}{i}" for i in range(700))
    guide = make_guide(slug="long-intro", access="free", intro=paragraph)
    announce(guide, "subscribers", django_capture_on_commit_callbacks)
    [raw] = over_smtp.raw
    assert longest_line(raw) <= 998
    assert not re.search(rb"quoted-printable|base64", raw)
    _, text, html = reading(raw)
    assert paragraph in " ".join(text.split())
    assert paragraph in " ".join(html.split())
    row = Recipient.objects.select_related("user", "campaign__guide").get()
    assert render_message(row, row.campaign).raw is not None  # still built once


def test_each_message_is_dated_when_it_is_made_and_a_long_subject_is_folded(
    readers, django_capture_on_commit_callbacks
):
    title = "Größenordnungen schätzen: Latenz, Durchsatz und Speicher für Systementwürfe"
    guide = make_guide(slug="umlaut-title", access="free", title=title)
    campaign = Campaign.objects.create(
        key="announcement:dates", kind="announcement", audience="members", guide=guide
    )
    row = Recipient.objects.create(
        campaign=campaign, user=readers["subscriber"], email=readers["subscriber"].email
    )
    row = Recipient.objects.select_related("user", "campaign__guide").get(pk=row.pk)
    first = render_message(row, campaign)
    time.sleep(1.1)
    second = render_message(row, campaign)  # from the same template, built once
    assert first.raw is not None
    assert second.raw is not None
    dates = [
        email.message_from_bytes(m.raw, policy=email.policy.default)["Date"].datetime
        for m in (first, second)
    ]
    assert dates[1] > dates[0]
    assert abs(dates[1] - timezone.now()) < dt.timedelta(seconds=5)
    # Every header but List-Unsubscribe folds at 78 characters, as usual.
    for line in header_lines(second.raw):
        assert len(line) <= 78 or line.startswith(b"List-Unsubscribe: <"), line
    assert reading(second.raw)[0]["Subject"] == f"New guide: {title}"


def test_an_address_that_cannot_be_sent_to_fails_its_row_and_the_campaign_goes_on(
    premium, readers, over_smtp, django_capture_on_commit_callbacks
):
    odd = member("jürgen@example.com")  # a non-ASCII local part: Django cannot write it
    campaign, _ = announce(premium, "members", django_capture_on_commit_callbacks)
    row = Recipient.objects.get(user=odd)
    assert row.status == "failed"
    assert row.error.startswith("invalid address")
    assert Recipient.objects.filter(campaign=campaign, status="sent").count() == 3
    campaign.refresh_from_db()
    assert campaign.finished_at is not None


def test_a_non_ascii_address_is_built_by_django_and_still_has_one_link(
    premium, over_smtp, django_capture_on_commit_callbacks
):
    reader = member("leser@bücher.example")
    announce(premium, "members", django_capture_on_commit_callbacks)
    row = Recipient.objects.select_related("user", "campaign__guide").get(user=reader)
    message = render_message(row, row.campaign)
    assert message is not None
    assert message.raw is None  # these bytes cannot carry it
    [raw] = over_smtp.raw
    headers, text, _ = reading(raw)
    assert headers["To"] == "leser@xn--bcher-kva.example"
    assert ONE_LINK.search(raw)
    assert "Heaps, from the top." in text
    assert Recipient.objects.get(pk=row.pk).status == "sent"
