"""Complimentary access: staff give a reader premium access without a subscription, until a
date. These are the writes for shells, commands and code; the admin edits the rows directly.
Either way the reader's cached access answer is retired at once (`billing.receivers`)."""

from __future__ import annotations

import datetime as dt

from accounts.models import User

from .models import ComplimentaryAccess


def complimentary_grant(
    *, user: User, expires_at: dt.datetime, reason: str = "", granted_by: User | None = None
) -> ComplimentaryAccess:
    """Give the user access until `expires_at`, replacing any grant they already hold."""
    access, _ = ComplimentaryAccess.objects.update_or_create(
        user=user, defaults={"expires_at": expires_at, "reason": reason, "granted_by": granted_by}
    )
    return access


def complimentary_revoke(*, user: User) -> bool:
    """End the user's complimentary access now; whether they had any."""
    deleted, _ = ComplimentaryAccess.objects.filter(user=user).delete()
    return bool(deleted)
