"""What a team's manager sees of the members who chose to share their progress: the figures
of the members' own pages (/progress/, /practice/, /diagnostic/, /mocks/history/), from the
same functions. Nothing of a member who has not chosen to share is read."""

from __future__ import annotations

from dataclasses import dataclass, field

from articles.models import Pattern, Track
from mocks.history import member_history
from practice.diagnostic import latest_result, solved_problem_ids
from study.selectors import TrackProgress, progress

from .models import Member, Team


@dataclass
class SharedProgress:
    member: Member
    guides_finished: int
    guides_started: int
    checklist_ticked: int
    checklist_items: int
    problems_solved: int
    mock_rounds: int
    weak_set: list[Pattern] = field(default_factory=list)
    diagnosed: bool = False

    @property
    def readiness(self) -> int | None:
        """Checklist readiness, in percent of the checklist items ticked (None: none to tick)."""
        if not self.checklist_items:
            return None
        return round(100 * self.checklist_ticked / self.checklist_items)


def shared_progress(team: Team) -> list[SharedProgress]:
    """The progress of each member of the team who shares it, in the order they joined."""
    members = list(team.members.filter(shares_progress=True).select_related("user"))
    if not members:
        return []
    tracks = list(Track.objects.order_by("position", "title"))
    result = []
    for member in members:
        user = member.user
        totals = TrackProgress(None, [g for t in progress(user, tracks) for g in t.guides])
        diagnostic = latest_result(user)
        result.append(
            SharedProgress(
                member=member,
                guides_finished=totals.finished,
                guides_started=totals.started,
                checklist_ticked=totals.ticked,
                checklist_items=totals.items,
                problems_solved=len(solved_problem_ids(user)),
                mock_rounds=len(member_history(user)),
                weak_set=diagnostic.weak if diagnostic else [],
                diagnosed=diagnostic is not None,
            )
        )
    return result
