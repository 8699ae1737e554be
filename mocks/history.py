"""A member's mock history (`/mocks/history/`): every round they took part in, newest first, and
each axis of the scores they received as candidate (those they may see) over time, as small
line charts drawn on the server as SVG beside a table of the same figures (as the owner's
dashboard draws its bars: coordinates here, the <svg> in templates/mocks/_line_chart.html)."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from accounts.models import User

from .feedback import RoundFeedback, with_feedback
from .models import Booking, MockRequest, Round
from .rounds import round_starts, zone_of
from .rubric import Axis, axes_for
from .safety import blocked_ids

WIDTH = 320
HEIGHT = 120
LEFT = 24  # room for the score labels
PAD = 12


@dataclass(frozen=True)
class HistoryRound:
    feedback: RoundFeedback
    starts_at: dt.datetime  # in the member's zone
    zone: zoneinfo.ZoneInfo
    partner_blocked: bool
    # The booking's newest round shows its report and block forms (once per booking).
    peer_actions: bool

    @property
    def round(self) -> Round:
        return self.feedback.round

    @property
    def kind(self) -> str:
        return MockRequest.Kind(self.round.booking.kind).label

    @property
    def subject(self) -> str:
        """The problem's or design prompt's title; empty when none was set."""
        found = self.round.problem or self.round.prompt
        return found.title if found else ""


def member_history(member: User, now: dt.datetime | None = None) -> list[HistoryRound]:
    """Every round of the member's bookings not cancelled that has begun, newest first: three
    queries."""
    now = now or timezone.now()
    rounds = [
        round_
        for round_ in Round.objects.filter(Q(interviewer=member) | Q(candidate=member))
        .filter(booking__starts_at__lte=now)
        .exclude(booking__status=Booking.Status.CANCELED)
        .select_related(
            "booking__first", "booking__second", "interviewer", "candidate", "problem", "prompt"
        )
        .order_by("-booking__starts_at", "-number")
        if round_starts(round_.booking, round_.number) <= now
    ]
    blocked = blocked_ids(member)
    seen: set[int] = set()
    result = []
    for item in with_feedback(rounds, member, now):
        zone = zone_of(item.round.booking, member.pk)
        result.append(
            HistoryRound(
                feedback=item,
                starts_at=round_starts(item.round.booking, item.round.number).astimezone(zone),
                zone=zone,
                partner_blocked=item.partner.pk in blocked,
                peer_actions=item.round.booking_id not in seen,
            )
        )
        seen.add(item.round.booking_id)
    return result


def rounds_held_counts(member_ids: list[int], now: dt.datetime | None = None) -> dict[int, int]:
    """How many rounds each of these members has taken part in (the rounds `member_history`
    lists, counted, for many members at once): one query."""
    now = now or timezone.now()
    counts = dict.fromkeys(member_ids, 0)
    rounds = (
        Round.objects.filter(Q(interviewer_id__in=member_ids) | Q(candidate_id__in=member_ids))
        .filter(booking__starts_at__lte=now)
        .exclude(booking__status=Booking.Status.CANCELED)
        .select_related("booking")
        .only("number", "interviewer_id", "candidate_id", "booking__starts_at")
    )
    for round_ in rounds:
        if round_starts(round_.booking, round_.number) <= now:
            for user_id in {round_.interviewer_id, round_.candidate_id} & counts.keys():
                counts[user_id] += 1
    return counts


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    label: str  # the date and the score in words (the dot's tooltip)


@dataclass(frozen=True)
class LineChart:
    title: str
    points: list[Point]
    levels: list[tuple[int, float]]  # each score 1-4 and the y of its grid line
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT

    @property
    def path(self) -> str:
        return " ".join(f"{'M' if n == 0 else 'L'}{p.x} {p.y}" for n, p in enumerate(self.points))


def _y(score: float) -> float:
    return round(HEIGHT - PAD - (score - 1) * (HEIGHT - 2 * PAD) / 3, 1)


def line_chart(title: str, scores: list[tuple[str, int]]) -> LineChart:
    """One dot per (label, score 1-4), oldest first, evenly spaced and joined by a line."""
    span = WIDTH - LEFT - 2 * PAD
    step = span / max(len(scores) - 1, 1)
    points = [
        Point(
            x=round(LEFT + PAD + (n * step if len(scores) > 1 else span / 2), 1),
            y=_y(score),
            label=f"{label}: {score} of 4",
        )
        for n, (label, score) in enumerate(scores)
    ]
    return LineChart(title=title, points=points, levels=[(s, _y(s)) for s in (1, 2, 3, 4)])


@dataclass(frozen=True)
class KindScores:
    """The scores received in one kind of mock: a chart per axis, and the table of them all
    (one row per round, oldest first)."""

    kind: str
    axes: tuple[Axis, ...]
    charts: list[tuple[Axis, LineChart]]
    rows: list[tuple[str, list[int | None]]]  # the round's date on the member's clock


def scores_over_time(rounds: list[HistoryRound]) -> list[KindScores]:
    """From the history (newest first): for each kind with scores the member received as
    candidate and may see, each axis over time (an interviewer's round has none to show)."""
    result = []
    for kind in MockRequest.Kind:
        shown = [
            r
            for r in reversed(rounds)
            if r.round.booking.kind == kind and r.feedback.received_scores
        ]
        if not shown:
            continue
        axes = axes_for(kind)
        rows = []
        for item in shown:
            by_key = {s.axis.key: s.score for s in item.feedback.received_scores}
            when = f"{item.starts_at:%-d %b %Y, %H:%M} ({item.zone.key})"
            rows.append((when, [by_key.get(axis.key) for axis in axes]))
        charts = []
        for index, axis in enumerate(axes):
            series = [
                (when, score) for when, scores in rows if (score := scores[index]) is not None
            ]
            charts.append((axis, line_chart(f"{axis.name}, {kind.label.lower()} mocks", series)))
        result.append(KindScores(kind=kind.label, axes=axes, charts=charts, rows=rows))
    return result
