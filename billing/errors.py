"""The failures billing's tasks retry or reschedule. They live apart from the services that
raise them so that `billing.tasks` can name them at import time (in `autoretry_for`) without
importing a service: services import tasks, never the other way round at the top."""

from __future__ import annotations

import datetime as dt

from alphacode.celery import SERVICES_AWAY

from .stripe_gateway import StripeUnavailable

# Worth another attempt: Stripe unreachable or rate-limiting, the database briefly away, or the
# cache (Redis), which processing must reach to retire a reader's cached access.
TRANSIENT_ERRORS = (StripeUnavailable, *SERVICES_AWAY)


class EventDeferred(Exception):
    """The event could not be processed for now (Stripe unreachable, the database away); it
    stays pending, and its next attempt is due at `due`."""

    def __init__(self, message: str, *, due: dt.datetime) -> None:
        super().__init__(message)
        self.due = due
