"""Teams' figures for the owner's dashboard: what team seats bring in and how they are used.
Amounts in cents; "paying" follows billing.entitlements' rule (the grace period included)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet, Sum

from billing.entitlements import subscriptions_giving_access
from billing.models import Subscription

from .models import Invite, Member, Team


@dataclass(frozen=True)
class TeamFigures:
    mrr: int  # what team subscriptions giving access bring in a month, coupons off
    teams: int  # teams whose subscription gives access (a second one bills, not counted here)
    seats_paid: int
    seats_seated: int
    invites_pending: int


def team_subscriptions_paying() -> QuerySet[Subscription]:
    """The team subscriptions that give access now."""
    return subscriptions_giving_access().filter(purpose="team")


def team_mrr() -> int:
    """Team MRR, in cents: Subscription(purpose="team").monthly_amount (each seat counted)."""
    return team_subscriptions_paying().aggregate(mrr=Sum("monthly_amount", default=0))["mrr"]


def team_figures() -> TeamFigures:
    """Three queries."""
    paying = team_subscriptions_paying().aggregate(
        mrr=Sum("monthly_amount", default=0),
        # A team's own subscription: a second one (seats paid twice) is not a second team.
        teams=Count("team"),
        seats=Sum("quantity", default=0),
    )
    live = Team.objects.filter(subscription__in=team_subscriptions_paying())
    counts = Member.objects.filter(team__in=live).aggregate(
        seated=Count("pk", filter=Q(seated=True))
    )
    pending = Invite.objects.filter(team__in=live, state=Invite.State.PENDING).count()
    return TeamFigures(
        mrr=paying["mrr"],
        teams=paying["teams"],
        seats_paid=paying["seats"],
        seats_seated=counts["seated"],
        invites_pending=pending,
    )
