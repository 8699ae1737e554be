"""The one way an email leaves the site: `deliver` over a mailer from Django's MAILERS
(`mailer()`). Callers record what they send (mail.outbox for the site's emails, a campaign's
Recipient rows for members' email); this module only sends.

Over Django's SMTP backend, `deliver` talks to the backend's own connection, through its public
API (`open`, `connection`, `prep_address`), for two things Django's `send_messages` does not
do: a message whose bytes are built already (`Prebuilt`, a campaign's announcement) is sent as
those bytes, not built again; and an 8-bit body is declared as such (BODY=8BITMIME, RFC 6152)
to a server that offers it. Any other mailer (console, locmem, a provider's API) gets Django's
message through its `send_messages`."""

from __future__ import annotations

import email.policy
import smtplib
from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

from django.core.mail import EmailMessage, mailers
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend


@dataclass(frozen=True)
class Prebuilt:
    """An email whose bytes are built already: its sender, its recipients and the whole message
    (CRLF line ends, as SMTP sends it). `build` makes the same email as a Django message, for a
    mailer that cannot take bytes."""

    from_email: str
    to: list[str]
    raw: bytes
    build: Callable[[], EmailMessage]


def mailer() -> BaseEmailBackend:
    """The default mailer (settings.MAILERS): use it as a context manager (`with mailer() as
    connection:`) so that its connection is opened once and closed after."""
    return mailers.default


# Every message has the same sender, and parsing an address costs about 80 µs: each one is
# parsed once per process (prep_address is a pure function of the address).
_senders: dict[str, str] = {}


def _sender(connection: SMTPBackend, address: str) -> str:
    prepared = _senders.get(address)
    if prepared is None:
        prepared = connection.prep_address(address)
        if len(_senders) < 32:
            _senders[address] = prepared
    return prepared


def deliver(connection: BaseEmailBackend, message: EmailMessage | Prebuilt) -> None:
    """Send one message over `connection` (a mailer, opened or not). Raises what the mail
    server's refusal raises (smtplib.SMTPException, OSError), and ValueError for an address
    Django cannot write; returns once the server took the message."""
    if not isinstance(connection, SMTPBackend):
        built = message.build() if isinstance(message, Prebuilt) else message
        connection.send_messages([built])
        return
    if isinstance(message, Prebuilt):
        from_email, to, raw = message.from_email, message.to, message.raw
    else:
        from_email, to = message.from_email, message.recipients()
        raw = message.message(policy=email.policy.SMTP).as_bytes()
    if not to:
        return
    sender = _sender(connection, from_email)
    recipients = [connection.prep_address(address) for address in to]
    if connection.connection is None:
        connection.open()
    server = cast(smtplib.SMTP, connection.connection)
    server.ehlo_or_helo_if_needed()
    eight_bit = not raw.isascii() and server.has_extn("8bitmime")
    server.sendmail(sender, recipients, raw, mail_options=["BODY=8BITMIME"] if eight_bit else [])
