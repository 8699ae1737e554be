"""How one member of a mock is named to the other: by the display name they chose, never by
their email address (DESIGN.md, "Mock interviews", Safety)."""

from __future__ import annotations

import unicodedata

from accounts.models import User


def peer_name(user: User) -> str:
    """The member's display name; "Member #<id>" when they have none, or when what they typed
    looks like an email address (it may well be theirs)."""
    name = " ".join(user.name.split())
    # NFKC folds look-alikes such as the full-width at sign (U+FF20) into "@".
    if not name or "@" in unicodedata.normalize("NFKC", name):
        return f"Member #{user.pk}"
    return name
