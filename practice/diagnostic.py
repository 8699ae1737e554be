"""The diagnostic (DESIGN.md, "Practice"): twelve statements, one per pattern, each answered with
the pattern that solves it; what it finds is the reader's weak-set. Services that write
(`diagnostic_start`, `diagnostic_show`, `diagnostic_answer`) and the selectors that read a reader's
results and the practice they order (`weak_patterns`, `diagnostic_history`, ...)."""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, F, Max, Q, QuerySet
from django.utils import timezone

from accounts.models import User
from articles.models import Guide, Pattern
from billing.entitlements import can_read_premium

from .models import Attempt, Diagnostic, DiagnosticAnswer, Problem

# A right answer slower than this (whole seconds between the statement shown and the answer
# received, by the server's clock) still puts its pattern in the weak-set.
TARGET_SECONDS = 60
WEAK_SET_SIZE = 3
DIFFICULTY_ORDER = {value: n for n, value in enumerate(Problem.Difficulty.values)}


class DiagnosticRefused(Exception):
    """What the reader asked cannot be done; the message says why, in words for them."""


# --- Taking it ---------------------------------------------------------------------------------


def _lock_reader(user: User) -> None:
    # One start (or answer) at a time per reader: a double click starts one diagnostic, not two.
    list(get_user_model().objects.select_for_update().filter(pk=user.pk).values_list("pk"))


def open_diagnostic(user: User) -> Diagnostic | None:
    """The reader's diagnostic that is not finished yet, if any."""
    return (
        Diagnostic.objects.filter(user=user, finished_at__isnull=True)
        .annotate(answered=Count("answers", filter=Q(answers__answered_at__isnull=False)))
        .annotate(total=Count("answers"))
        .order_by("-started_at")
        .first()
    )


def solved_problem_ids(user: User) -> set[int]:
    return set(Attempt.objects.filter(user=user, solves__gt=0).values_list("problem_id", flat=True))


def solved_counts(user_ids: list[int]) -> dict[int, int]:
    """How many problems each of these readers has solved (`solved_problem_ids`, counted, for
    many readers at once): one query."""
    rows = (
        Attempt.objects.filter(user_id__in=user_ids, solves__gt=0)
        .values("user_id")
        .annotate(n=Count("problem_id", distinct=True))
        .values_list("user_id", "n")
    )
    return dict.fromkeys(user_ids, 0) | dict(rows)


def _choose_problems(user: User) -> list[tuple[int, int]]:
    """(problem id, pattern id) for each pattern: one published problem it leads, not solved by
    the reader if one is left, and of those one they were not shown in an earlier diagnostic
    (else the one shown longest ago)."""
    by_pattern: dict[int, list[int]] = {}
    leading = Problem.objects.published().filter(pattern__isnull=False)
    for problem_id, pattern_id in leading.values_list("pk", "pattern_id"):
        by_pattern.setdefault(pattern_id, []).append(problem_id)
    solved = solved_problem_ids(user)
    last_shown: dict[int, dt.datetime] = dict(
        DiagnosticAnswer.objects.filter(diagnostic__user=user)
        .values("problem_id")
        .annotate(last=Max("diagnostic__started_at"))
        .values_list("problem_id", "last")
    )
    never = dt.datetime.min.replace(tzinfo=dt.UTC)
    chosen = []
    for pattern_id in Pattern.objects.values_list("pk", flat=True):
        problems = by_pattern.get(pattern_id)
        if not problems:
            continue  # no problem drills this pattern yet: it is not asked
        unsolved = [pk for pk in problems if pk not in solved] or problems
        oldest = min(last_shown.get(pk, never) for pk in unsolved)
        fresh = [pk for pk in unsolved if last_shown.get(pk, never) == oldest]
        chosen.append((random.choice(fresh), pattern_id))
    return chosen


@transaction.atomic
def diagnostic_start(user: User) -> Diagnostic:
    """A new diagnostic for the reader, its statements in a shuffled order; or the one they have
    not finished (starting twice resumes it)."""
    _lock_reader(user)
    current = (
        Diagnostic.objects.select_for_update().filter(user=user, finished_at__isnull=True).first()
    )
    if current is not None:
        _finish_if_done(current, timezone.now())  # nothing left to ask: a new one starts
        if current.finished_at is None:
            return current
    problems = _choose_problems(user)
    if not problems:
        raise DiagnosticRefused("There are no practice problems to ask about yet.")
    random.shuffle(problems)
    diagnostic = Diagnostic.objects.create(user=user, started_at=timezone.now())
    DiagnosticAnswer.objects.bulk_create(
        DiagnosticAnswer(
            diagnostic=diagnostic, position=n, problem_id=problem_id, pattern_id=pattern_id
        )
        for n, (problem_id, pattern_id) in enumerate(problems, start=1)
    )
    return diagnostic


def _open_questions(diagnostic: Diagnostic) -> QuerySet[DiagnosticAnswer]:
    """The statements still to answer. A problem unpublished since the diagnostic started is
    not asked any more (a deleted one took its statement with it)."""
    return diagnostic.answers.filter(
        answered_at__isnull=True, problem__in=Problem.objects.published()
    )


def next_question(diagnostic: Diagnostic) -> DiagnosticAnswer | None:
    """The first statement not answered yet (None once all are), with its problem."""
    return _open_questions(diagnostic).select_related("problem").order_by("position").first()


def _finish_if_done(locked: Diagnostic, now: dt.datetime) -> None:
    """Finish a diagnostic (its row locked) that has nothing left to ask: its weak-set from the
    statements answered."""
    if locked.finished_at is None and not _open_questions(locked).exists():
        answered = locked.answers.filter(answered_at__isnull=False).select_related("pattern")
        locked.weak_patterns = weak_set(answered)
        locked.finished_at = now
        locked.save(update_fields=["weak_patterns", "finished_at"])


@transaction.atomic
def diagnostic_settle(diagnostic: Diagnostic) -> Diagnostic:
    """The diagnostic, finished if nothing is left to ask (its last statements' problems were
    unpublished or deleted after it started), so a reader is never stuck in it."""
    locked = Diagnostic.objects.select_for_update().get(pk=diagnostic.pk)
    _finish_if_done(locked, timezone.now())
    return locked


def diagnostic_show(answer: DiagnosticAnswer) -> DiagnosticAnswer:
    """Start the statement's clock the first time it is shown; showing it again (a reload)
    keeps the time it was first shown, so reloading never resets the clock."""
    if answer.shown_at is None:
        now = timezone.now()
        started = DiagnosticAnswer.objects.filter(pk=answer.pk, shown_at__isnull=True).update(
            shown_at=now
        )
        if started:
            answer.shown_at = now
        else:  # another request showed it first: its time stands
            answer.shown_at = DiagnosticAnswer.objects.values_list("shown_at", flat=True).get(
                pk=answer.pk
            )
    return answer


def weak_set(answers: Iterable[DiagnosticAnswer]) -> list[str]:
    """The slugs of the patterns answered wrong, "not sure", or right but slower than
    TARGET_SECONDS: at most WEAK_SET_SIZE of them, the slowest first."""
    weak = [
        a
        for a in answers
        if a.answered_at is not None and (not a.correct or (a.seconds or 0) > TARGET_SECONDS)
    ]
    weak.sort(key=lambda a: (-(a.seconds or 0), a.position))
    return [a.pattern.slug for a in weak[:WEAK_SET_SIZE]]


@transaction.atomic
def diagnostic_answer(
    diagnostic: Diagnostic, position: int, pattern_slug: str | None
) -> DiagnosticAnswer:
    """Record the reader's answer to one statement (`pattern_slug` None: "not sure") and the
    seconds it took; the last answer finishes the diagnostic and stores its weak-set. An answer
    is given once: a second one, or one to a finished diagnostic, is refused."""
    # The diagnostic's row is the lock: two answers at once (two tabs) are taken one by one, so
    # the last one finishes it exactly once.
    locked = Diagnostic.objects.select_for_update().get(pk=diagnostic.pk)
    if locked.finished_at is not None:
        raise DiagnosticRefused("This diagnostic is finished: it takes no more answers.")
    answer = _open_questions(locked).filter(position=position).first() or (
        locked.answers.filter(position=position, answered_at__isnull=False).first()
    )
    if answer is None:
        raise DiagnosticRefused("This diagnostic has no such statement.")
    if answer.answered_at is not None:
        raise DiagnosticRefused(
            f"Statement {position} is answered already; an answer cannot be changed."
        )
    if answer.shown_at is None:
        raise DiagnosticRefused(f"Statement {position} has not been shown yet.")
    chosen = None
    if pattern_slug is not None:
        chosen = Pattern.objects.filter(slug=pattern_slug).first()
        if chosen is None:
            raise DiagnosticRefused("Pick one of the patterns, or “Not sure”.")
    now = timezone.now()
    answer.answer = chosen
    answer.answered_at = now
    # Whole seconds, rounded up: 60.4 s is slower than 60 s.
    answer.seconds = max(math.ceil((now - answer.shown_at).total_seconds()), 0)
    answer.save(update_fields=["answer", "answered_at", "seconds"])
    _finish_if_done(locked, now)
    diagnostic.finished_at, diagnostic.weak_patterns = locked.finished_at, locked.weak_patterns
    return answer


# --- Results ------------------------------------------------------------------------------------


@dataclass
class DiagnosticResult:
    """A finished diagnostic: how many it got right of how many, and its weak-set in order."""

    diagnostic: Diagnostic
    right: int
    total: int
    weak: list[Pattern] = field(default_factory=list)


def patterns_named(slugs: Sequence[str]) -> list[Pattern]:
    """These patterns, in this order (a slug no pattern has any more is left out)."""
    found = {p.slug: p for p in Pattern.objects.filter(slug__in=slugs)}
    return [found[slug] for slug in slugs if slug in found]


def _results(diagnostics: Iterable[Diagnostic]) -> list[DiagnosticResult]:
    rows = list(diagnostics)
    slugs = sorted({slug for d in rows for slug in d.weak_patterns})
    patterns = {p.slug: p for p in patterns_named(slugs)}
    return [
        DiagnosticResult(
            d,
            d.right,  # type: ignore[attr-defined]
            d.total,  # type: ignore[attr-defined]
            [patterns[s] for s in d.weak_patterns if s in patterns],
        )
        for d in rows
    ]


def _finished(user: User) -> QuerySet[Diagnostic]:
    return (
        Diagnostic.objects.filter(user=user, finished_at__isnull=False)
        .annotate(
            right=Count("answers", filter=Q(answers__answer_id=F("answers__pattern_id"))),
            total=Count("answers"),
        )
        .order_by("-finished_at", "-pk")
    )


def diagnostic_history(user: User) -> list[DiagnosticResult]:
    """Every diagnostic the reader finished, the latest first."""
    return _results(_finished(user))


def latest_result(user: User) -> DiagnosticResult | None:
    """The reader's latest finished diagnostic: the one whose weak-set stands."""
    found = _results(_finished(user)[:1])
    return found[0] if found else None


def weak_patterns(user: User) -> list[Pattern]:
    """The reader's weak-set (the latest finished diagnostic's), slowest first; [] if none."""
    latest = (
        Diagnostic.objects.filter(user=user, finished_at__isnull=False)
        .order_by("-finished_at", "-pk")
        .values_list("weak_patterns", flat=True)
        .first()
    )
    return patterns_named(latest) if latest else []


def latest_weak_sets(user_ids: list[int]) -> dict[int, list[Pattern]]:
    """Each of these readers' weak-set (`weak_patterns`, for many readers at once), only for
    those who have finished a diagnostic: two queries."""
    latest = dict(
        Diagnostic.objects.filter(user_id__in=user_ids, finished_at__isnull=False)
        .order_by("user_id", "-finished_at", "-pk")
        .distinct("user_id")
        .values_list("user_id", "weak_patterns")
    )
    slugs = sorted({slug for weak in latest.values() for slug in weak})
    found = {p.slug: p for p in patterns_named(slugs)}
    return {
        user_id: [found[slug] for slug in weak if slug in found] for user_id, weak in latest.items()
    }


def diagnostic_answers(diagnostic: Diagnostic) -> list[DiagnosticAnswer]:
    """Each statement of a diagnostic with its problem, the pattern asked and the answer."""
    return list(diagnostic.answers.select_related("problem", "pattern", "answer"))


# --- What the weak-set orders ---------------------------------------------------------------------


def _weak_rank(weak: Sequence[Pattern]) -> dict[int, int]:
    return {pattern.pk: n for n, pattern in enumerate(weak)}


def _rank_of(rank: dict[int, int], pattern_id: int | None) -> int:
    """Where a pattern stands in the weak-set; after all of it when it is not in it."""
    return rank.get(pattern_id, len(rank)) if pattern_id is not None else len(rank)


def due_attempts(user: User, today: dt.date, weak: Sequence[Pattern]) -> list[Attempt]:
    """The reader's solved problems whose day to be re-solved has come: the weak-set's patterns'
    first (in its order), then by the day they were due."""
    rank = _weak_rank(weak)
    attempts = list(
        Attempt.objects.filter(
            user=user, due__lte=today, problem__in=Problem.objects.published()
        ).select_related("problem__pattern")
    )
    attempts.sort(
        key=lambda a: (
            _rank_of(rank, a.problem.pattern_id),
            a.due,
            a.problem.title,
        )
    )
    return attempts


@dataclass
class ProblemRow:
    problem: Problem
    solved: bool


@dataclass
class ProblemGroup:
    """The published problems a pattern leads (pattern None: those that name no pattern)."""

    pattern: Pattern | None
    weak: bool
    problems: list[ProblemRow]


def problem_groups(user: User, weak: Sequence[Pattern]) -> list[ProblemGroup]:
    """Every published problem, grouped by the pattern it leads with: the weak-set's patterns
    first (in its order), then the others in their usual order; easy to hard within a group."""
    rank = _weak_rank(weak)
    solved = solved_problem_ids(user)
    problems = sorted(
        Problem.objects.published().select_related("pattern"),
        key=lambda p: (DIFFICULTY_ORDER.get(p.difficulty, 0), p.title),
    )
    groups: dict[int | None, ProblemGroup] = {}
    for problem in problems:
        group = groups.get(problem.pattern_id)
        if group is None:
            group = groups[problem.pattern_id] = ProblemGroup(
                problem.pattern, problem.pattern_id in rank, []
            )
        group.problems.append(ProblemRow(problem, problem.pk in solved))

    def order(group: ProblemGroup) -> tuple:
        if group.pattern is None:
            return (2, 0, 0, "")
        if group.weak:
            return (0, rank[group.pattern.pk], 0, "")
        return (1, 0, group.pattern.position, group.pattern.name)

    return sorted(groups.values(), key=order)


@dataclass
class WeakSetWork:
    """What the study plan puts first for a weak-set: the guides that teach its patterns (ids,
    the slowest pattern's first) and the problems it leads that the reader has not solved."""

    guide_ids: list[int]
    problems: list[Problem]


def weak_set_work(user: User) -> WeakSetWork:
    weak = weak_patterns(user)
    if not weak:
        return WeakSetWork([], [])
    rank = _weak_rank(weak)
    guide_ids: dict[int, int] = {}  # guide -> the rank of its weakest pattern
    taught = Guide.patterns.through.objects.filter(
        pattern__in=weak, guide__in=Guide.objects.published()
    ).order_by("guide__published_at", "guide_id")
    for guide_id, pattern_id in taught.values_list("guide_id", "pattern_id"):
        guide_ids[guide_id] = min(guide_ids.get(guide_id, len(rank)), rank[pattern_id])
    solved = solved_problem_ids(user)
    premium = can_read_premium(user)
    problems = [
        p
        for p in Problem.objects.published().filter(pattern__in=weak)
        if p.pk not in solved and (premium or not p.is_premium)
    ]
    problems.sort(
        key=lambda p: (
            _rank_of(rank, p.pattern_id),
            DIFFICULTY_ORDER.get(p.difficulty, 0),
            p.title,
        )
    )
    return WeakSetWork(sorted(guide_ids, key=lambda pk: guide_ids[pk]), problems)
