"""Members' email as MIME: header lines kept whole, and an announcement built once per campaign.

Two things Python's email package (which Django's EmailMessage uses) would otherwise do to a
members' email:

- Fold header lines at 78 characters. A List-Unsubscribe link is longer than that and has no
  space to fold at, so Python writes it as RFC 2047 encoded words, which mail clients do not
  decode in that header: the one-click link would not be recognised. `ListEmail` keeps header
  lines whole up to 998 characters, the limit RFC 5322 sets, and `fit_lines` keeps body lines
  under it too (so bodies go as they are, 7bit or 8bit, never as long quoted-printable lines).
- Build the whole message again for every reader. Building the MIME tree and its headers is
  most of an announcement's cost per reader, and two readers' messages differ only in their
  address, their unsubscribe link and the Message-ID. `Template` builds the message once with
  tokens in those places; `Template.for_reader` puts a reader's values into its bytes, which
  `alphacode.mail.SMTPBackend` sends as they are. Other backends (console, locmem) and
  addresses the bytes cannot carry (non-ASCII) get the same email built by Django.
"""

from __future__ import annotations

import email.policy
import re
import textwrap
from dataclasses import dataclass
from html import escape as html_escape

from django.conf import settings
from django.core.mail import EmailMultiAlternatives

# RFC 5322: a line is at most 998 characters. Long body lines are wrapped (at spaces) well under
# it, leaving room for the reader's values that later replace the tokens.
LINE_LIMIT = 998
WRAP_AT = 760

# Where two readers of one announcement differ. The HTML part gets its own tokens: its values
# are HTML-escaped, the subject's, text's and headers' are not.
TEXT_EMAIL = "reader@text-token.invalid"
HTML_EMAIL = "reader@html-token.invalid"
TEXT_UNSUBSCRIBE = "https://text-token.invalid/unsubscribe/"
HTML_UNSUBSCRIBE = "https://html-token.invalid/unsubscribe/"
MESSAGE_ID = "<message@id-token.invalid>"
TOKENS = (TEXT_EMAIL, HTML_EMAIL, TEXT_UNSUBSCRIBE, HTML_UNSUBSCRIBE, MESSAGE_ID)

# An address the message's bytes can carry as it is: ASCII, no quoting, no spaces.
_PLAIN_ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9.-]+")
_ENCODED_BODY = re.compile(rb"^Content-Transfer-Encoding: *(quoted-printable|base64)", re.I | re.M)


def fit_lines(text: str) -> str:
    """`text` with every line longer than `WRAP_AT` wrapped at spaces. For HTML, a newline
    where a space was is the same page: both are white space (emails have no <pre>)."""
    if all(len(line) <= WRAP_AT for line in text.splitlines()):
        return text
    wrapper = textwrap.TextWrapper(
        width=WRAP_AT, break_long_words=False, break_on_hyphens=False, replace_whitespace=False
    )
    return "\n".join(
        line if len(line) <= WRAP_AT else wrapper.fill(line) for line in text.split("\n")
    )


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str

    def for_reader(self, address: str, unsubscribe: str) -> Rendered:
        """With a reader's address and unsubscribe link in place of the tokens."""

        def fill(part: str, email_token: str, link_token: str, escape: bool) -> str:
            if escape:
                return part.replace(email_token, html_escape(address)).replace(
                    link_token, html_escape(unsubscribe)
                )
            return part.replace(email_token, address).replace(link_token, unsubscribe)

        return Rendered(
            fill(self.subject, TEXT_EMAIL, TEXT_UNSUBSCRIBE, False),
            fill(self.text, TEXT_EMAIL, TEXT_UNSUBSCRIBE, False),
            fill(self.html, HTML_EMAIL, HTML_UNSUBSCRIBE, True),
        )


class ListEmail(EmailMultiAlternatives):
    """A members' email: header lines are not folded short (see the module's docstring).
    `raw`, when set, is the whole message already built; only the SMTP backend uses it."""

    raw: bytes | None = None

    def message(self, *, policy: email.policy.Policy = email.policy.default):  # type: ignore[override]
        return super().message(policy=policy.clone(max_line_length=LINE_LIMIT))


def list_email(rendered: Rendered, *, to: str, message_id: str, unsubscribe: str) -> ListEmail:
    """The email: plain text and HTML, with the one-click unsubscribe headers of RFC 8058."""
    message = ListEmail(
        subject=rendered.subject,
        body=rendered.text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers={
            "Message-ID": message_id,
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
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
            rendered, to=TEXT_EMAIL, message_id=MESSAGE_ID, unsubscribe=TEXT_UNSUBSCRIBE
        )
        raw = message.message(policy=email.policy.SMTP).as_bytes()
        intact = all(token.encode() in raw for token in TOKENS) and not _ENCODED_BODY.search(raw)
        return cls(rendered, raw if intact else None)

    def for_reader(self, *, address: str, unsubscribe: str, message_id: str) -> ListEmail:
        message = list_email(
            self.rendered.for_reader(address, unsubscribe),
            to=address,
            message_id=message_id,
            unsubscribe=unsubscribe,
        )
        if self.raw is not None and _PLAIN_ADDRESS.fullmatch(address) and unsubscribe.isascii():
            values = {
                TEXT_EMAIL: address,
                HTML_EMAIL: html_escape(address),
                TEXT_UNSUBSCRIBE: unsubscribe,
                HTML_UNSUBSCRIBE: html_escape(unsubscribe),
                MESSAGE_ID: message_id,
            }
            raw = self.raw
            for token, value in values.items():
                raw = raw.replace(token.encode(), value.encode())
            message.raw = raw
        return message
