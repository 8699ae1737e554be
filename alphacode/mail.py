"""Email for the whole site: how an email's parts are rendered (its HTML through the CSS
inliner), its stable Message-ID, and the SMTP mailer.

The mailer is Django's, plus three things: the sender's address is parsed once per process; a
message that carries its bytes already (`raw`, set by mailings.mime for a campaign's
announcement) is sent as those bytes, not built again; and an 8-bit body is declared as such
(BODY=8BITMIME) to a server that offers it."""

from __future__ import annotations

import email.policy
import smtplib
from typing import Any, ClassVar, cast
from urllib.parse import urlsplit

import css_inline
from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.backends import smtp
from django.template.loader import render_to_string
from django.utils.crypto import salted_hmac

# The <style> stays (its dark-mode rules are for the mail clients that read them); everything it
# can say to an element is also written into the element's style attribute.
_inliner = css_inline.CSSInliner(keep_style_tags=True)


def inline_css(html: str) -> str:
    """An HTML email (templates/emails/base.html) with its stylesheet inlined, for mail clients
    that drop <style>."""
    return _inliner.inline(html)


def render_parts(
    prefix: str, context: dict[str, Any], html_context: dict[str, Any] | None = None
) -> tuple[str, str, str]:
    """An email's subject (on one line), text and HTML (its CSS inlined), from the templates
    `<prefix>_subject.txt`, `<prefix>.txt` and `<prefix>.html`; `html_context` adds to the
    context for the HTML only."""
    subject = " ".join(render_to_string(f"{prefix}_subject.txt", context).split())
    text = render_to_string(f"{prefix}.txt", context)
    html = inline_css(render_to_string(f"{prefix}.html", context | (html_context or {})))
    return subject, text, html


def stable_message_id(salt: str, key: str, kind: str) -> str:
    """A Message-ID made from what the email is for (`key`, keyed with the secret key so it
    names no one): every send of one email carries the same one, so a resend after a crash
    shows as one message in mail systems that merge by Message-ID."""
    digest = salted_hmac(salt, key, algorithm="sha256").hexdigest()
    domain = urlsplit(settings.SITE_URL).hostname or "alphacode.local"
    return f"<{kind}.{digest[:32]}@{domain}>"


class SMTPBackend(smtp.EmailBackend):
    # Every message has the same sender, and parsing an address costs about 80 µs: each one is
    # parsed once per process (prep_address is a pure function of the address).
    _senders: ClassVar[dict[str, str]] = {}

    def _sender(self, address: str) -> str:
        prepared = self._senders.get(address)
        if prepared is None:
            prepared = self.prep_address(address)
            if len(self._senders) < 32:
                self._senders[address] = prepared
        return prepared

    def _send(self, email_message: EmailMessage) -> bool:
        """Django's, but for the bytes sent (a message's `raw` when it has them) and for 8-bit
        bodies, declared as such to a server that says it takes them (RFC 6152)."""
        if not email_message.recipients():
            return False
        sender = self._sender(email_message.from_email)
        recipients = [self.prep_address(address) for address in email_message.recipients()]
        raw: bytes | None = getattr(email_message, "raw", None)
        if raw is None:
            raw = email_message.message(policy=email.policy.SMTP).as_bytes()
        connection = cast(smtplib.SMTP, self.connection)  # send_messages opened it
        connection.ehlo_or_helo_if_needed()
        eight_bit = not raw.isascii() and connection.has_extn("8bitmime")
        try:
            connection.sendmail(
                sender, recipients, raw, mail_options=["BODY=8BITMIME"] if eight_bit else []
            )
        except smtplib.SMTPException:
            if not self.fail_silently:
                raise
            return False
        return True
