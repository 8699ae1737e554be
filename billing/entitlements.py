"""The one answer to "may this user read this guide in full?". Nothing else decides."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User
    from articles.models import Guide


def can_read_premium(user: User | AnonymousUser | None) -> bool:
    """True when the user may read every premium guide in full."""
    if user is None or not user.is_authenticated:
        return False
    return bool(user.is_staff)


def can_read(user: User | AnonymousUser | None, guide: Guide) -> bool:
    """True when the user may read this guide past its preview cut."""
    return not guide.is_premium or can_read_premium(user)
