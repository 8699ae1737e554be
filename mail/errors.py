"""The failures the send task retries. They live apart from mail.outbox so that mail.tasks can
name them at import time (in `autoretry_for`) without importing a service."""

from __future__ import annotations

import datetime as dt


class EmailNotSent(Exception):
    """The mail server could not take the message now: worth retrying."""


class EmailClaimed(Exception):
    """Another sender holds the email's claim: look again once it lapses, at `until`."""

    def __init__(self, until: dt.datetime) -> None:
        super().__init__(f"claimed until {until:%H:%M:%S}")
        self.until = until
