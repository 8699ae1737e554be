"""A booking's two rounds: the older request's member is the candidate first and the other
interviews, then they swap. Each round's problem is chosen when the booking is made, so both
members (and the interviewer's preparation) see the same one: for a technical mock a published
practice problem the candidate has not solved, from their focus first, then their weak-set, then
any; for system design a prompt on the focus topic, else any; either way one the candidate has
not met in an earlier mock (as interviewer they read its solution) while there is one. The second
round never repeats the first's."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.db.models import Case, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When

from accounts.models import User
from practice.diagnostic import weak_patterns
from practice.models import Attempt, Problem

from .models import Booking, DesignPrompt, MockRequest, Round

ROUND_MINUTES = 45
BREAK_MINUTES = 5


def round_starts(booking: Booking, number: int) -> dt.datetime:
    """When round `number` (1 or 2) begins: round 2 after round 1's 45 minutes and a break."""
    return booking.starts_at + dt.timedelta(minutes=(number - 1) * (ROUND_MINUTES + BREAK_MINUTES))


def round_ends(booking: Booking, number: int) -> dt.datetime:
    return round_starts(booking, number) + dt.timedelta(minutes=ROUND_MINUTES)


def zone_of(booking: Booking, user_id: int) -> zoneinfo.ZoneInfo:
    """The zone a member gave with the request this booking answered: the booking's times show
    on their clock in it (UTC for anyone else, such as staff)."""
    for request in (booking.first, booking.second):
        if request.user_id == user_id:
            try:
                return zoneinfo.ZoneInfo(request.time_zone)
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                break
    return zoneinfo.ZoneInfo("UTC")


def _met(member: User) -> QuerySet[Round]:
    """The rounds of the member's earlier mocks, in either role: as interviewer they read the
    problem's solution, as candidate they worked it."""
    return Round.objects.filter(Q(candidate=member) | Q(interviewer=member))


def problem_for(candidate: User, focus: str, taken: set[int]) -> Problem | None:
    """A published problem the candidate has not solved, one they have not met in an earlier
    mock first, led by their focus's pattern, then by their weak-set's patterns in order, then
    any other; None when they have solved them all."""
    order = [focus.strip().lower(), *(p.slug for p in weak_patterns(candidate))]
    ranks = [When(pattern__slug=slug, then=Value(n)) for n, slug in enumerate(dict.fromkeys(order))]
    solved = Attempt.objects.filter(user=candidate, first_solved_at__isnull=False).values("problem")
    met = _met(candidate).filter(problem__isnull=False).values("problem")
    return (
        Problem.objects.published()
        .exclude(pk__in=solved)
        .exclude(pk__in=taken)
        .annotate(
            rank=Case(*ranks, default=Value(len(ranks)), output_field=IntegerField()),
            met=Exists(met.filter(problem=OuterRef("pk"))),
        )
        .order_by("met", "rank", "difficulty", "pk")
        .first()
    )


def prompt_for(candidate: User, focus: str, taken: set[int]) -> DesignPrompt | None:
    """A published design prompt the candidate has not met in an earlier mock, on the focus
    topic if there is one, else any other; when they have met them all, the same order among
    those."""
    met = _met(candidate).filter(prompt__isnull=False).values("prompt")
    return (
        DesignPrompt.objects.filter(is_published=True)
        .exclude(pk__in=taken)
        .annotate(
            met=Exists(met.filter(prompt=OuterRef("pk"))),
            off_topic=~Q(topic__iexact=focus.strip()),
        )
        .order_by("met", "off_topic", "pk")
        .first()
    )


def rounds_create(booking: Booking) -> list[Round]:
    """Round 1: the first request's member is the candidate; round 2: the second's."""
    made: list[Round] = []
    problems: set[int] = set()
    prompts: set[int] = set()
    pairs: list[tuple[MockRequest, MockRequest]] = [
        (booking.first, booking.second),
        (booking.second, booking.first),
    ]
    for number, (candidate, interviewer) in enumerate(pairs, start=1):
        round_ = Round(
            booking=booking,
            number=number,
            candidate=candidate.user,
            interviewer=interviewer.user,
        )
        if booking.kind == MockRequest.Kind.SYSTEM_DESIGN:
            round_.prompt = prompt_for(candidate.user, candidate.focus, prompts)
            if round_.prompt is not None:
                prompts.add(round_.prompt.pk)
        else:
            round_.problem = problem_for(candidate.user, candidate.focus, problems)
            if round_.problem is not None:
                problems.add(round_.problem.pk)
        round_.save()
        made.append(round_)
    return made
