"""Members' email as MIME: header lines kept whole, and an announcement built once per campaign.

Two things Python's email package (which Django's EmailMessage uses) would otherwise do to a
members' email:

- Fold the List-Unsubscribe header at 78 characters. The link is longer than that and has no
  space to fold at, so Python writes it as RFC 2047 encoded words, which mail clients do not
  decode in that header: the one-click link would not be recognised. `ListPolicy` writes that
  header whole (other headers fold as usual), and judges body lines against RFC 5322's limit of
  998 bytes rather than 78; `fit_lines` wraps body lines well under it, so bodies go as they
  are (7- or 8-bit text), with the tokens below intact.
- Build the whole message again for every reader. Building the MIME tree and its headers is
  most of an announcement's cost per reader, and two readers' messages differ only in their
  address, their unsubscribe link, the Message-ID and the Date. `Template` builds the message
  once with tokens in those places; `Template.for_reader` puts a reader's values into its
  bytes (a `mail.transport.Prebuilt`), which mail.transport sends over SMTP as they are. Other
  mailers (console, locmem) get the same email built by Django from it, and addresses the bytes
  cannot carry (non-ASCII) and a body that had to be encoded get a Django message at once.
"""

from __future__ import annotations

import email.message
import email.policy
import email.utils
import logging
import re
import textwrap
from dataclasses import dataclass
from html import escape as html_escape
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.utils import timezone

from mail.transport import Prebuilt

logger = logging.getLogger(__name__)

# RFC 5322: a line is at most 998 bytes. Long body lines are wrapped (at spaces) well under it,
# leaving room for the reader's values that later replace the tokens.
LINE_LIMIT = 998
WRAP_AT = 760

# Where two readers of one announcement differ. The HTML part gets its own tokens: its values
# are HTML-escaped, the subject's, text's and headers' are not.
TEXT_EMAIL = "reader@text-token.invalid"
HTML_EMAIL = "reader@html-token.invalid"
TEXT_UNSUBSCRIBE = "https://text-token.invalid/unsubscribe/"
HTML_UNSUBSCRIBE = "https://html-token.invalid/unsubscribe/"
MESSAGE_ID = "<message@id-token.invalid>"
# The Date header is the time each reader's message is made, not when the template was.
DATE = "Mon, 01 Jan 2001 00:00:00 +0000"
TOKENS = (TEXT_EMAIL, HTML_EMAIL, TEXT_UNSUBSCRIBE, HTML_UNSUBSCRIBE, MESSAGE_ID, f"Date: {DATE}")

# An address the message's bytes can carry as it is: ASCII, no quoting, no spaces.
_PLAIN_ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9.-]+")
_ENCODED_BODY = re.compile(rb"^Content-Transfer-Encoding: *(quoted-printable|base64)", re.I | re.M)


def fit_lines(text: str) -> str:
    """`text` with every line longer than `WRAP_AT` bytes wrapped at spaces. For HTML, a
    newline where a space was is the same page: both are white space (emails have no <pre>)."""
    lines = text.split("\n")
    if all(len(line.encode()) <= WRAP_AT for line in lines):
        return text
    return "\n".join(piece for line in lines for piece in _fit(line, WRAP_AT))


def _fit(line: str, width: int) -> list[str]:
    """A line as pieces of at most `WRAP_AT` bytes: wrapped at spaces `width` characters wide,
    narrower for pieces still too long (many multi-byte characters), and as a last resort,
    inside a word of more than 100 characters."""
    if len(line.encode()) <= WRAP_AT:
        return [line]
    wrapper = textwrap.TextWrapper(
        width=width,
        break_long_words=width <= 100,
        break_on_hyphens=False,
        replace_whitespace=False,
    )
    return [fitted for piece in wrapper.wrap(line) for fitted in _fit(piece, max(100, width // 2))]


def reader_values(address: str, unsubscribe: str, message_id: str) -> dict[str, str]:
    """Each token and what takes its place for one reader."""
    return {
        TEXT_EMAIL: address,
        # In a text node, escaped as css-inline writes text (it re-serialises the page).
        HTML_EMAIL: html_escape(address, quote=False),
        TEXT_UNSUBSCRIBE: unsubscribe,
        HTML_UNSUBSCRIBE: html_escape(unsubscribe),
        MESSAGE_ID: message_id,
        f"Date: {DATE}": f"Date: {email.utils.format_datetime(timezone.now())}",
    }


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str

    def filled(self, values: dict[str, str]) -> Rendered:
        """With a reader's values in place of the tokens (the text and HTML parts have tokens
        of their own, so one mapping serves both)."""

        def fill(part: str) -> str:
            for token, value in values.items():
                part = part.replace(token, value)
            return part

        return Rendered(fill(self.subject), fill(self.text), fill(self.html))


class ListPolicy(email.policy.EmailPolicy):
    """Python's email policy (default, or SMTP's line ends) for members' emails: List-Unsubscribe
    written whole, every other header folded at 78 characters as usual, and body lines judged
    against 998 bytes (see the module's docstring)."""

    def _whole(self, name: str, value: Any) -> bool:
        return name.lower() == "list-unsubscribe" and str(value).isascii()

    def _usual(self) -> email.policy.EmailPolicy[Any]:
        return email.policy.EmailPolicy(linesep=self.linesep, max_line_length=78)

    def fold(self, name: str, value: Any) -> str:
        if self._whole(name, value):
            return f"{name}: {value}{self.linesep}"
        return self._usual().fold(name, value)

    def fold_binary(self, name: str, value: Any) -> bytes:
        if self._whole(name, value):
            return f"{name}: {value}{self.linesep}".encode("ascii")
        return self._usual().fold_binary(name, value)


class ListEmail(EmailMultiAlternatives):
    """A members' email, made into MIME with `ListPolicy`. Built for each reader, it has no
    bytes built before (`raw`, None; a `Prebuilt` has them)."""

    raw: bytes | None = None

    def message(  # type: ignore[override]  # django-stubs type `policy` loosely
        self, *, policy: email.policy.Policy = email.policy.default
    ) -> email.message.EmailMessage:
        return super().message(
            policy=ListPolicy(linesep=policy.linesep, max_line_length=LINE_LIMIT)
        )


def list_email(
    rendered: Rendered, *, to: str, message_id: str, unsubscribe: str, date: str | None = None
) -> ListEmail:
    """The email: plain text and HTML, with the one-click unsubscribe headers of RFC 8058 (and
    the Date header Django writes, unless `date` is given)."""
    headers = {
        "Message-ID": message_id,
        "List-Unsubscribe": f"<{unsubscribe}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
    if date is not None:
        headers["Date"] = date
    message = ListEmail(
        subject=rendered.subject,
        body=rendered.text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers=headers,
    )
    message.attach_alternative(rendered.html, "text/html")
    return message


@dataclass(frozen=True)
class Template:
    """An email rendered and built once, with tokens where its readers differ."""

    rendered: Rendered
    # The whole message (as the SMTP backend would send it) with the tokens; None if a token
    # did not come through as it is (a body that had to be encoded), and then every reader's
    # message is built by Django.
    raw: bytes | None

    @classmethod
    def build(cls, rendered: Rendered) -> Template:
        message = list_email(
            rendered,
            to=TEXT_EMAIL,
            message_id=MESSAGE_ID,
            unsubscribe=TEXT_UNSUBSCRIBE,
            date=DATE,
        )
        raw = message.message(policy=email.policy.SMTP).as_bytes()
        intact = all(token.encode() in raw for token in TOKENS) and not _ENCODED_BODY.search(raw)
        if not intact:
            logger.warning("an email's body had to be encoded: it is built for each reader")
        return cls(rendered, raw if intact else None)

    def for_reader(
        self, *, address: str, unsubscribe: str, message_id: str
    ) -> Prebuilt | ListEmail:
        """The reader's email: the template's bytes with their values put in (no message built
        for them), or, where the bytes cannot carry it, the email built by Django."""
        values = reader_values(address, unsubscribe, message_id)

        def build() -> ListEmail:
            return list_email(
                self.rendered.filled(values),
                to=address,
                message_id=message_id,
                unsubscribe=unsubscribe,
            )

        if self.raw is not None and _PLAIN_ADDRESS.fullmatch(address) and unsubscribe.isascii():
            raw = self.raw
            for token, value in values.items():
                raw = raw.replace(token.encode(), value.encode())
            # The reader's values may lengthen a line (a long address, escaped characters).
            if max(len(line) for line in raw.split(b"\r\n")) <= LINE_LIMIT:
                return Prebuilt(settings.DEFAULT_FROM_EMAIL, [address], raw, build)
        return build()
