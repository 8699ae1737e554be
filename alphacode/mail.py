"""Email for the whole site: the CSS inliner every HTML email goes through, and the SMTP mailer.

The mailer is Django's, plus two things: a message that carries its bytes already (`raw`, set by
mailings.mime for a campaign's announcement) is sent as those bytes, not built again; and an
8-bit body is declared as such (BODY=8BITMIME) to a server that offers it."""

from __future__ import annotations

import email.policy
import smtplib
from typing import cast

import css_inline
from django.core.mail import EmailMessage
from django.core.mail.backends import smtp

# The <style> stays (its dark-mode rules are for the mail clients that read them); everything it
# can say to an element is also written into the element's style attribute.
_inliner = css_inline.CSSInliner(keep_style_tags=True)


def inline_css(html: str) -> str:
    """An HTML email (templates/emails/base.html) with its stylesheet inlined, for mail clients
    that drop <style>."""
    return _inliner.inline(html)


class SMTPBackend(smtp.EmailBackend):
    def _send(self, email_message: EmailMessage) -> bool:
        """Django's, but for the bytes sent (a message's `raw` when it has them) and for 8-bit
        bodies, declared as such to a server that says it takes them (RFC 6152)."""
        if not email_message.recipients():
            return False
        sender = self.prep_address(email_message.from_email)
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
