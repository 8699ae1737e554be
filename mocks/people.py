"""How one member of a mock is named to the other: by the display name they chose, never by
their email address (DESIGN.md, "Mock interviews", Safety)."""

from __future__ import annotations

from accounts.models import User


def peer_name(user: User) -> str:
    """The member's display name; "Member #<id>" when they have none, or when what they typed
    looks like an email address (it may well be theirs)."""
    name = " ".join(user.name.split())
    if not name or "@" in name:
        return f"Member #{user.pk}"
    return name
