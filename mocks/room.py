"""What the room (`/mocks/<id>/`) shows, decided on the server's clock: each round's timeline
and the phase a booking is in, who sees the problem when (the candidate only from the moment it
is stated, never its hints or solution), and a problem or design prompt as HTML."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.html import linebreaks
from django.utils.safestring import SafeString, mark_safe

from articles.blocks.base import GuideFormatError
from practice.rendering import hint_html, markdown_html, solution_html, statement_html

from .models import Booking, Round
from .rounds import BREAK_MINUTES, ROUND_MINUTES, round_starts


@dataclass(frozen=True)
class Phase:
    minute: int  # from the round's start
    name: str
    what: str


TIMELINE = (
    Phase(0, "Warm-up", "Introductions; the interviewer explains how the round goes."),
    Phase(5, "Problem stated", "The interviewer states the problem; the candidate asks about it."),
    Phase(12, "Approach", "The candidate proposes an approach and its cost before building it."),
    Phase(18, "Code while narrating", "The candidate builds it in the pad, thinking aloud."),
    Phase(35, "Test", "The candidate walks through examples and edge cases."),
    Phase(40, "Feedback", "The interviewer says what went well and what to work on."),
)
STATED_AT = dt.timedelta(minutes=TIMELINE[1].minute)  # the problem is stated at 05:00


@dataclass(frozen=True)
class Segment:
    """A stretch of the booking: one phase of a round, or the break between the rounds."""

    starts: dt.datetime
    ends: dt.datetime
    label: str
    round: int | None  # None: the break
    phase: int | None  # the phase's index in TIMELINE


def schedule(booking: Booking) -> list[Segment]:
    """The booking from its start to its end: round 1's phases, the break, round 2's phases."""
    segments = []
    for number in (1, 2):
        start = round_starts(booking, number)
        ends = [p.minute for p in TIMELINE[1:]] + [ROUND_MINUTES]
        for index, (phase, until) in enumerate(zip(TIMELINE, ends, strict=True)):
            segments.append(
                Segment(
                    starts=start + dt.timedelta(minutes=phase.minute),
                    ends=start + dt.timedelta(minutes=until),
                    label=f"Round {number}: {phase.name}",
                    round=number,
                    phase=index,
                )
            )
        if number == 1:
            break_starts = start + dt.timedelta(minutes=ROUND_MINUTES)
            segments.append(
                Segment(
                    starts=break_starts,
                    ends=break_starts + dt.timedelta(minutes=BREAK_MINUTES),
                    label="Break",
                    round=None,
                    phase=None,
                )
            )
    return segments


def until_words(delta: dt.timedelta) -> str:
    """ "2 days 3 hours", "1 hour 5 minutes", "4 minutes", "less than a minute" (the room's
    script words it the same way)."""
    minutes = int(delta.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)

    def words(count: int, unit: str) -> str:
        return f"{count} {unit}{'' if count == 1 else 's'}"

    if days:
        return words(days, "day") + (f" {words(hours, 'hour')}" if hours else "")
    if hours:
        return words(hours, "hour") + (f" {words(minutes, 'minute')}" if minutes else "")
    if minutes:
        return words(minutes, "minute")
    return "less than a minute"


@dataclass(frozen=True)
class Now:
    """Where the booking stands: "before", "during" (in `segment`), "ended" or "canceled"."""

    state: str
    segment: Segment | None = None
    starts_in: str = ""


def booking_now(booking: Booking, now: dt.datetime) -> Now:
    if booking.status == Booking.Status.CANCELED:
        return Now("canceled")
    if now < booking.starts_at:
        return Now("before", starts_in=until_words(booking.starts_at - now))
    for segment in schedule(booking):
        if segment.starts <= now < segment.ends:
            return Now("during", segment=segment)
    return Now("ended")


def statement_shown(round_: Round, viewer_id: int, now: dt.datetime) -> bool:
    """The interviewer (and staff) see the problem from the start; the candidate from the
    moment it is stated (05:00 into their round)."""
    if viewer_id != round_.candidate_id:
        return True
    return now >= round_starts(round_.booking, round_.number) + STATED_AT


@dataclass(frozen=True)
class Material:
    """A round's problem as HTML: what the interviewer reads out, their hints and solution."""

    title: str
    statement: SafeString
    hints: list[SafeString]
    solution: SafeString
    preview: bool = False  # a premium problem's first paragraph only (mocks.room_views)


def _markdown(text: str, source: str, prefix: str) -> SafeString:
    try:
        return markdown_html(text, source, prefix)
    except GuideFormatError:
        # Shown as plain paragraphs rather than not at all: the interviewer still needs it.
        return mark_safe(linebreaks(text, autoescape=True))  # escaped by linebreaks


def round_material(round_: Round, *, interviewer: bool, preview: bool = False) -> Material | None:
    """The round's problem or design prompt; its hints and solution only for the interviewer
    (the candidate's page never holds them). With `preview`, a problem is what a visitor sees of
    it: its statement's first paragraph, nothing else. None when the round has neither (the
    candidate had solved every problem, or the prompt was removed): the interviewer then picks
    one."""
    if round_.problem is not None:
        problem = round_.problem
        whole = interviewer and not preview
        return Material(
            title=problem.title,
            statement=statement_html(problem, full=not preview),
            hints=[hint_html(text) for text in problem.hints] if whole else [],
            solution=solution_html(problem) if whole else SafeString(""),
            preview=preview,
        )
    if round_.prompt is not None:
        prompt = round_.prompt
        source = f"design prompt {prompt.slug}"
        return Material(
            title=prompt.title,
            statement=_markdown(prompt.statement, source, f"prompt-{prompt.pk}"),
            hints=[hint_html(str(text)) for text in prompt.hints] if interviewer else [],
            solution=_markdown(prompt.solution, source, f"prompt-{prompt.pk}-solution")
            if interviewer
            else SafeString(""),
        )
    return None
