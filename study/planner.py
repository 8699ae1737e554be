"""The day-by-day plan from today to the interview date: pure functions of what the reader has
done, so the plan is simply recomputed from today on every view (a missed day rolls forward and
finished work stays finished).

Each guide gives up to two tasks: read it (done once opened) and finish its checklists (done
when every item is ticked, or the guide is marked finished by hand). Each day with cards to
drill starts with a drill session. The rest of the day is filled round-robin across the chosen
tracks, each day starting with another, so the tracks move forward together; a task longer than
a whole day's budget is split into parts. A day takes whole tasks until it holds its share of
the work left, the minutes still to do over the days still to come (rounded up, at most the
day's budget; its last task may carry it past its share, never past the budget): work
that fits with room to spare is spread over the days up to the interview instead of crammed
into the first ones (unless filling each day to its budget would fit more of it). Nothing is
ever placed on or after the interview date; what does not fit is listed as such.

Guides the reader may not read yet (premium, without a subscription) are not planned; the
caller names them (`locked`) so the page can say what a subscription adds.

A reader's weak-set (practice's diagnostic) reorders it: the guides that teach its patterns
come first in their tracks, and its problems to solve are one more queue in the round-robin.
The weakest axis of their recent mock interviews adds the guides about it as the first queue.
The caller gives them as plain data (guide ids, ProblemState, GuideState): study knows nothing
of practice or mocks.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

DRILL_MINUTES = 10
PROBLEM_MINUTES = 20  # about what solving one practice problem takes
PRACTICE = "Practice"  # what a problem task shows where a guide's task shows its track
MIN_DAILY_MINUTES = 15
MAX_DAILY_MINUTES = 600


@dataclass(frozen=True)
class GuideState:
    guide_id: int
    title: str
    url: str
    track: str
    read_minutes: int
    checklist_items: int
    opened_on: dt.date | None = None
    checklists_done_on: dt.date | None = None


@dataclass(frozen=True)
class ProblemState:
    """A practice problem the reader has yet to solve."""

    title: str
    url: str
    minutes: int = PROBLEM_MINUTES


@dataclass(frozen=True)
class Task:
    kind: str  # "read", "checklist", "drill" or "problem"
    title: str
    minutes: int
    track: str = ""
    url: str = ""
    done_on: dt.date | None = None
    part: int = 1
    parts: int = 1

    @property
    def done(self) -> bool:
        return self.done_on is not None

    @property
    def label(self) -> str:
        if self.kind == "drill":
            return "Drill session: the phrase cards due today"
        if self.kind == "problem":
            return f"Solve {self.title}"
        what = "Read" if self.kind == "read" else "Finish the checklists of"
        part = f" (part {self.part} of {self.parts})" if self.parts > 1 else ""
        return f"{what} {self.title}{part}"


@dataclass
class Day:
    date: dt.date
    tasks: list[Task] = field(default_factory=list)

    @property
    def minutes(self) -> int:
        return sum(task.minutes for task in self.tasks)


@dataclass
class StudyPlan:
    days: list[Day]
    unscheduled: list[Task]
    finished_before_today: int
    lead_guides: list[GuideState] = field(default_factory=list)  # as build_plan was given them
    locked: list[GuideState] = field(default_factory=list)  # as build_plan was given them
    # Every guide of the chosen tracks is locked: there is nothing in them to read yet.
    all_locked: bool = False


def plan_days(today: dt.date, interview: dt.date) -> list[dt.date]:
    """The days the plan may use: today up to the day before the interview (just today when
    the interview is today)."""
    count = max((interview - today).days, 1)
    return [today + dt.timedelta(days=n) for n in range(count)]


def checklist_minutes(items: int) -> int:
    return min(max(5, items), 15)


def guide_tasks(guide: GuideState) -> list[Task]:
    tasks = [
        Task(
            "read", guide.title, max(guide.read_minutes, 1), guide.track, guide.url, guide.opened_on
        )
    ]
    if guide.checklist_items:
        tasks.append(
            Task(
                "checklist",
                guide.title,
                checklist_minutes(guide.checklist_items),
                guide.track,
                guide.url,
                guide.checklists_done_on,
            )
        )
    return tasks


def split(task: Task, capacity: int) -> list[Task]:
    if task.minutes <= capacity:
        return [task]
    parts = math.ceil(task.minutes / capacity)
    base, extra = divmod(task.minutes, parts)
    return [
        replace(task, minutes=base + (1 if n < extra else 0), part=n + 1, parts=parts)
        for n in range(parts)
    ]


def _lay_out(
    dates: list[dt.date],
    queues: Sequence[Sequence[Task]],
    done_today: list[Task],
    *,
    daily_minutes: int,
    drill: Task | None,
    spread: bool,
) -> tuple[list[Day], list[Task]]:
    """The days and what does not fit in them: each day takes tasks round-robin from the queues
    up to the budget, or (`spread`) only until it holds its share of the work left."""
    days = [Day(date) for date in dates]
    days[0].tasks.extend(done_today)  # done today: shown ticked in today's list
    pending = [deque(queue) for queue in queues]
    capacity = daily_minutes - (drill.minutes if drill else 0)
    # Work done today counts towards today's share, so finishing today's tasks adds none.
    left = sum(task.minutes for queue in pending for task in queue) + days[0].minutes
    for index, day in enumerate(days):
        # The minutes left over the days left, reckoned afresh each day as the plan is from
        # today on every view: a day's share is what it would be on reaching that day.
        share = min(math.ceil(left / (len(days) - index)), capacity) if spread else capacity
        work = day.minutes
        if drill:
            day.tasks.insert(0, drill if index == 0 else replace(drill, done_on=None))
        # Start each day with a different track, so no track always gets the day's leftovers.
        order = [pending[(index + n) % len(pending)] for n in range(len(pending))]
        progress = True
        while progress and work < share:
            progress = False
            for queue in order:
                if work < share and queue and day.minutes + queue[0].minutes <= daily_minutes:
                    task = queue.popleft()
                    day.tasks.append(task)
                    work += task.minutes
                    progress = True
        left -= work
    return days, [task for queue in pending for task in queue]


def build_plan(
    *,
    today: dt.date,
    interview: dt.date,
    daily_minutes: int,
    tracks: list[tuple[str, list[GuideState]]],
    has_cards: bool,
    drilled_today: bool,
    first_guides: Sequence[int] = (),
    problems: Sequence[ProblemState] = (),
    lead_guides: Sequence[GuideState] = (),
    locked: Sequence[GuideState] = (),
) -> StudyPlan:
    """`first_guides`: ids of guides that go first in their tracks, in this order; `problems`:
    problems to solve (the weak-set's), as one more queue, the first one: today starts with
    them; `lead_guides`: guides ahead even of those, as a queue of their own (the ones about the
    weakest axis of the reader's mocks, their track naming why), each left out of its track so
    it is not planned twice; `locked`: guides of the chosen tracks the reader may not read yet,
    not planned, kept to be named (the caller's `tracks` leave them out)."""
    drill = min(DRILL_MINUTES, daily_minutes // 3) if has_cards else 0
    capacity = daily_minutes - drill
    queues: list[list[Task]] = []
    done_today: list[Task] = []
    finished = 0
    rank = {guide_id: n for n, guide_id in enumerate(first_guides)}
    leading = {guide.guide_id for guide in lead_guides}

    def queue_of(guides: Sequence[GuideState]) -> list[Task]:
        nonlocal finished
        queue: list[Task] = []
        for guide in guides:
            for task in guide_tasks(guide):
                if task.done_on is not None and task.done_on < today:
                    finished += 1
                elif task.done_on == today:
                    done_today.append(task)
                else:
                    queue.extend(split(task, capacity))
        return queue

    for _, guides in tracks:
        ordered = sorted(guides, key=lambda g: rank.get(g.guide_id, len(rank)))
        queues.append(queue_of([guide for guide in ordered if guide.guide_id not in leading]))
    if problems:
        queues.insert(
            0,
            [
                part
                for problem in problems
                for part in split(
                    Task("problem", problem.title, problem.minutes, PRACTICE, problem.url),
                    capacity,
                )
            ],
        )
    if lead_guides:
        queues.insert(0, queue_of(lead_guides))
    dates = plan_days(today, interview)
    session = Task("drill", "", drill, done_on=today if drilled_today else None) if drill else None
    days, unscheduled = _lay_out(
        dates, queues, done_today, daily_minutes=daily_minutes, drill=session, spread=True
    )
    if unscheduled:
        # Whole tasks pack unevenly: spreading must not leave out what filling every day to
        # its budget would fit.
        packed, left_out = _lay_out(
            dates, queues, done_today, daily_minutes=daily_minutes, drill=session, spread=False
        )
        if sum(t.minutes for t in left_out) < sum(t.minutes for t in unscheduled):
            days, unscheduled = packed, left_out
    return StudyPlan(
        days=days,
        unscheduled=unscheduled,
        finished_before_today=finished,
        lead_guides=list(lead_guides),
        locked=list(locked),
        all_locked=bool(locked) and not any(guides for _, guides in tracks),
    )
