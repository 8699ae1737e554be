"""Reads of a person's teams for other pages (the account page): the team they manage and the
team they are a member of. Nothing here writes."""

from __future__ import annotations

from dataclasses import dataclass

from accounts.models import User

from .models import Member, Team
from .services import subscription_live


@dataclass(frozen=True)
class Managed:
    team: Team
    seats: int  # paid; 0 once its subscription has ended (or before it is bought)


def managed_team(user: User) -> Managed | None:
    """The team the user manages, with its seats paid; None when they manage none."""
    team = Team.objects.select_related("subscription").filter(manager=user).first()
    if team is None:
        return None
    live = subscription_live(team) and team.subscription is not None
    return Managed(team, team.subscription.quantity if live and team.subscription else 0)


def membership(user: User) -> Member | None:
    return Member.objects.select_related("team").filter(user=user).first()
