"""Email for the whole site: the CSS inliner every HTML email goes through, and the SMTP mailer.

The mailer is Django's, plus one thing: a message that carries its bytes already (`raw`, set by
mailings.mime for a campaign's announcement) is sent as those bytes, not built again."""

from __future__ import annotations

import smtplib
from typing import Any

import css_inline
from django.core.mail.backends import smtp

# The <style> stays (its dark-mode rules are for the mail clients that read them); everything it
# can say to an element is also written into the element's style attribute.
_inliner = css_inline.CSSInliner(keep_style_tags=True)


def inline_css(html: str) -> str:
    """An HTML email (templates/emails/base.html) with its stylesheet inlined, for mail clients
    that drop <style>."""
    return _inliner.inline(html)


class SMTPBackend(smtp.EmailBackend):
    def _send(self, email_message: Any) -> bool:
        raw: bytes | None = getattr(email_message, "raw", None)
        if raw is None:
            return super()._send(email_message)
        if not email_message.recipients():
            return False
        sender = self.prep_address(email_message.from_email)
        recipients = [self.prep_address(address) for address in email_message.recipients()]
        self.connection.ehlo_or_helo_if_needed()
        # An 8-bit body is declared as such to a server that says it takes one (RFC 6152).
        eight_bit = not raw.isascii() and self.connection.has_extn("8bitmime")
        options = ["BODY=8BITMIME"] if eight_bit else []
        try:
            self.connection.sendmail(sender, recipients, raw, mail_options=options)
        except smtplib.SMTPException:
            if not self.fail_silently:
                raise
            return False
        return True
