"""Members' email on the wire. An announcement is built once per campaign and each reader's
message is that one with their values put in (mailings.mime): it must read exactly as the one
Django builds for them, keep List-Unsubscribe one link, keep every line within RFC 5322's 998
characters, and leave readers the bytes cannot carry (a non-ASCII address) to Django."""

from __future__ import annotations

import email
import email.policy
import re

import pytest

from alphacode.settings import mailers_from_url
from mailings.models import Recipient
from mailings.sending import render_message

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


@pytest.fixture
def over_smtp(smtp_sink, settings):
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
        by_django = message.message(policy=email.policy.SMTP).as_bytes()
        received = next(r for r in over_smtp.raw if f"To: {reader.email}".encode() in r)
        assert reading(received) == reading(by_django)
        headers, text, html = reading(received)
        assert headers["To"] == reader.email
        assert headers["Message-ID"].startswith("<campaign.")
        assert f"({reader.email})" in text
    _, text, html = reading(next(r for r in over_smtp.raw if b"To: o'neil" in r))
    assert "o&#x27;neil&amp;co@example.com" in html
    assert "o'neil&co@example.com" not in html
    # Bodies with UTF-8 in them are declared 8-bit to a server that takes it (RFC 6152).
    assert "BODY=8BITMIME" in over_smtp.mail_options[0]


def test_a_long_intro_paragraph_keeps_every_line_within_the_limit(
    readers, over_smtp, django_capture_on_commit_callbacks
):
    paragraph = " ".join(f"word{i}" for i in range(700))  # about 5,000 characters, one line
    guide = make_guide(slug="long-intro", access="free", intro=paragraph)
    announce(guide, "subscribers", django_capture_on_commit_callbacks)
    [raw] = over_smtp.raw
    assert longest_line(raw) <= 998
    assert not re.search(rb"quoted-printable|base64", raw)
    _, text, html = reading(raw)
    assert paragraph in " ".join(text.split())
    assert paragraph in " ".join(html.split())


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
