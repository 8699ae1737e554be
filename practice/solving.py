"""A reader's work on a problem (DESIGN.md, "Practice"): the code they last ran, the hints and
the solution they asked for, and their solves, each of which schedules the next re-solve on
SM-2 (study.sm2, as phrase cards). Progress is self-reported: the reader's browser ran the code,
the server never does."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from study.sm2 import Schedule, review

from .models import Attempt, Problem, Solve

MAX_CODE_CHARS = 50_000


def solve_grade(attempt: Attempt) -> str:
    """SM-2's grade for a solve: without help strong, with hints weaker, after the solution
    weakest (it comes back tomorrow)."""
    if attempt.solution_seen:
        return Solve.Grade.AGAIN
    return Solve.Grade.HARD if attempt.hints_shown else Solve.Grade.EASY


def hints_seen(attempt: Attempt | None, problem: Problem) -> int:
    """How many of the problem's hints the reader has seen since their last solve (an editor may
    have removed some since)."""
    return min(attempt.hints_shown, len(problem.hints)) if attempt else 0


def attempt_of(user: User, problem: Problem) -> Attempt | None:
    return Attempt.objects.filter(user=user, problem=problem).first()


def _locked_attempt(user: User, problem: Problem) -> Attempt:
    """The reader's attempt at the problem, created if need be, locked until the transaction
    ends (two tabs solving at once schedule once each, in turn)."""
    Attempt.objects.get_or_create(user=user, problem=problem)
    return Attempt.objects.select_for_update().get(user=user, problem=problem)


@transaction.atomic
def code_save(*, user: User, problem: Problem, code: str) -> Attempt:
    """Keep the code the reader last ran: it comes back on any device."""
    attempt = _locked_attempt(user, problem)
    attempt.code = code
    attempt.code_saved_at = timezone.now()
    attempt.save(update_fields=["code", "code_saved_at"])
    return attempt


@transaction.atomic
def hint_show(*, user: User, problem: Problem) -> int:
    """One more hint shown (up to all of them); how many the reader has now seen."""
    attempt = _locked_attempt(user, problem)
    seen = hints_seen(attempt, problem)
    if seen < len(problem.hints):
        seen += 1
        attempt.hints_shown = seen
        attempt.save(update_fields=["hints_shown"])
    return seen


@transaction.atomic
def solution_show(*, user: User, problem: Problem) -> None:
    """The reader asked for the solution: their next solve is graded as read."""
    attempt = _locked_attempt(user, problem)
    if not attempt.solution_seen:
        attempt.solution_seen = True
        attempt.save(update_fields=["solution_seen"])


@transaction.atomic
def solve_record(
    *, user: User, problem: Problem, code: str, today: dt.date | None = None
) -> tuple[Attempt, Solve]:
    """Every case passed in the reader's browser: keep the solve and its code, and schedule the
    re-solve. The first solve and a due re-solve move the schedule, graded by the help taken
    since the last one that did, and the help counted starts again from none; solving again
    before it is due is kept but moves nothing (as SM-2's same-day repeats), and the help read
    meanwhile still counts when the problem is due."""
    today = today or timezone.localdate()
    attempt = _locked_attempt(user, problem)
    grade = solve_grade(attempt)
    solve = Solve.objects.create(
        user=user,
        problem=problem,
        code=code,
        hints_shown=attempt.hints_shown,
        solution_seen=attempt.solution_seen,
        grade=grade,
    )
    if attempt.due is None or attempt.due <= today:
        schedule = review(
            Schedule(attempt.repetitions, attempt.interval, attempt.ease, attempt.lapses), grade
        )
        attempt.repetitions, attempt.interval = schedule.repetitions, schedule.interval
        attempt.ease, attempt.lapses = schedule.ease, schedule.lapses
        attempt.due = today + dt.timedelta(days=schedule.interval)
        attempt.hints_shown, attempt.solution_seen = 0, False
    attempt.code, attempt.code_saved_at = code, solve.solved_at
    attempt.solves += 1
    attempt.first_solved_at = attempt.first_solved_at or solve.solved_at
    attempt.solved_at = solve.solved_at
    attempt.save()
    return attempt, solve
