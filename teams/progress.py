"""What a team's manager sees of the members who chose to share their progress: the figures
of the members' own pages (/progress/, /practice/, /diagnostic/, /mocks/history/), from the
same rules, read for many members at once (study.selectors.progress_totals,
practice.diagnostic.solved_counts and latest_weak_sets, mocks.history.rounds_held_counts,
each beside the per-member function its page uses). Nothing of a member who has not chosen
to share is read."""

from __future__ import annotations

from dataclasses import dataclass, field

from articles.models import Pattern
from mocks.history import rounds_held_counts
from practice.diagnostic import latest_weak_sets, solved_counts
from study.selectors import progress_totals

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
    """The progress of each member of the team who shares it, in the order they joined: the
    same figures as the members' own pages, read for all of them at once (eight queries
    however many share)."""
    members = list(team.members.filter(shares_progress=True).select_related("user"))
    if not members:
        return []
    ids = [member.user_id for member in members]
    totals = progress_totals(ids)
    solved = solved_counts(ids)
    weak_sets = latest_weak_sets(ids)
    rounds = rounds_held_counts(ids)
    return [
        SharedProgress(
            member=member,
            guides_finished=totals[member.user_id].finished,
            guides_started=totals[member.user_id].started,
            checklist_ticked=totals[member.user_id].ticked,
            checklist_items=totals[member.user_id].items,
            problems_solved=solved[member.user_id],
            mock_rounds=rounds[member.user_id],
            weak_set=weak_sets.get(member.user_id, []),
            diagnosed=member.user_id in weak_sets,
        )
        for member in members
    ]
