"""How a member is named to a peer: their display name, never their email address (DESIGN.md,
"Mock interviews", Safety). Every page, email and invitation a peer sees names them with this."""

from __future__ import annotations

from accounts.models import User


def peer_name(user: User) -> str:
    """The member's display name as a peer sees it: the name they gave, else "Member <id>"."""
    name = " ".join(user.name.split())
    return name or f"Member {user.pk}"
