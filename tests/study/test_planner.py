"""The plan: never past the interview date, never over the daily budget, every chosen track
covered, and a missed day re-planned from today without losing finished work."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from study.planner import (
    PROBLEM_MINUTES,
    GuideState,
    ProblemState,
    build_plan,
    guide_tasks,
    plan_days,
)

TODAY = dt.date(2026, 11, 29)


def guide(n: int, track: str, minutes: int = 12, items: int = 5, **done) -> GuideState:
    return GuideState(n, f"Guide {n}", f"/guides/g{n}/", track, minutes, items, **done)


guides = st.lists(st.tuples(st.integers(1, 90), st.integers(0, 12)), min_size=1, max_size=8)
tracks = st.lists(guides, min_size=1, max_size=5)


def make_tracks(spec: list[list[tuple[int, int]]]) -> list[tuple[str, list[GuideState]]]:
    n = 0
    result = []
    for t, entries in enumerate(spec):
        states = []
        for minutes, items in entries:
            n += 1
            states.append(guide(n, f"Track {t}", minutes, items))
        result.append((f"Track {t}", states))
    return result


@settings(max_examples=200, deadline=None)
@given(
    spec=tracks,
    days=st.integers(0, 40),
    budget=st.integers(15, 240),
    has_cards=st.booleans(),
)
def test_a_plan_stays_before_the_interview_and_within_the_budget(spec, days, budget, has_cards):
    interview = TODAY + dt.timedelta(days=days)
    plan = build_plan(
        today=TODAY,
        interview=interview,
        daily_minutes=budget,
        tracks=make_tracks(spec),
        has_cards=has_cards,
        drilled_today=False,
    )
    assert plan.days[0].date == TODAY
    for day in plan.days:
        assert day.date < interview or day.date == TODAY == interview
        assert day.minutes <= budget
    # Nothing is lost: every task is either scheduled or listed as not fitting.
    scheduled = [t for day in plan.days for t in day.tasks if t.kind != "drill"]
    wanted = sum(1 + (items > 0) for entries in spec for _, items in entries)
    whole = {(t.kind, t.title) for t in scheduled + plan.unscheduled}
    assert len(whole) == wanted


@settings(max_examples=100, deadline=None)
@given(spec=tracks, budget=st.integers(15, 240))
def test_every_chosen_track_is_covered_when_there_is_time(spec, budget):
    interview = TODAY + dt.timedelta(days=60)
    plan = build_plan(
        today=TODAY,
        interview=interview,
        daily_minutes=budget,
        tracks=make_tracks(spec),
        has_cards=True,
        drilled_today=False,
    )
    assert not plan.unscheduled or sum(d.minutes for d in plan.days) > 0
    covered = {t.track for day in plan.days for t in day.tasks if t.kind != "drill"}
    assert covered == {f"Track {n}" for n in range(len(spec))}


def test_tracks_are_balanced_day_by_day() -> None:
    tracks = [(f"T{t}", [guide(t * 10 + n, f"T{t}", 10, 0) for n in range(4)]) for t in range(3)]
    plan = build_plan(
        today=TODAY,
        interview=TODAY + dt.timedelta(days=4),
        daily_minutes=30,
        tracks=tracks,
        has_cards=False,
        drilled_today=False,
    )
    for day in plan.days:
        assert sorted(t.track for t in day.tasks) == ["T0", "T1", "T2"]


def test_a_guide_longer_than_a_day_is_split_into_parts() -> None:
    plan = build_plan(
        today=TODAY,
        interview=TODAY + dt.timedelta(days=5),
        daily_minutes=30,
        tracks=[("T", [guide(1, "T", 50, 0)])],
        has_cards=True,
        drilled_today=False,
    )
    reads = [t for day in plan.days for t in day.tasks if t.kind == "read"]
    assert [(t.part, t.parts) for t in reads] == [(1, 3), (2, 3), (3, 3)]
    assert sum(t.minutes for t in reads) == 50
    assert all(day.tasks[0].kind == "drill" for day in plan.days)  # each day starts drilling


def test_a_missed_day_rolls_forward_and_finished_work_stays_finished() -> None:
    interview = TODAY + dt.timedelta(days=6)
    tracks = [("T", [guide(n, "T", 20, 5) for n in range(1, 5)])]
    monday = build_plan(
        today=TODAY,
        interview=interview,
        daily_minutes=25,
        tracks=tracks,
        has_cards=False,
        drilled_today=False,
    )
    # 100 minutes over 6 days: today's share (17) is Guide 1's reading, its checklist is next.
    assert [(t.kind, t.title) for t in monday.days[0].tasks] == [("read", "Guide 1")]
    assert (monday.days[1].tasks[0].kind, monday.days[1].tasks[0].title) == ("checklist", "Guide 1")
    # Monday's reading was done; Tuesday was missed entirely; on Wednesday the plan is
    # recomputed from Wednesday.
    wednesday = TODAY + dt.timedelta(days=2)
    done = [("T", [guide(1, "T", 20, 5, opened_on=TODAY), *tracks[0][1][1:]])]
    plan = build_plan(
        today=wednesday,
        interview=interview,
        daily_minutes=25,
        tracks=done,
        has_cards=False,
        drilled_today=False,
    )
    assert plan.days[0].date == wednesday
    assert plan.finished_before_today == 1
    remaining = [(t.kind, t.title) for day in plan.days for t in day.tasks] + [
        (t.kind, t.title) for t in plan.unscheduled
    ]
    assert ("read", "Guide 1") not in remaining
    assert ("checklist", "Guide 1") in remaining  # not finished yet: still planned
    assert len(remaining) == 7  # 8 tasks, 1 done, none lost


def test_work_finished_today_shows_ticked_in_today() -> None:
    tracks = [("T", [guide(1, "T", 10, 5, opened_on=TODAY, checklists_done_on=TODAY)])]
    plan = build_plan(
        today=TODAY,
        interview=TODAY + dt.timedelta(days=3),
        daily_minutes=30,
        tracks=tracks,
        has_cards=True,
        drilled_today=True,
    )
    assert [(t.kind, t.done) for t in plan.days[0].tasks] == [
        ("drill", True),
        ("read", True),
        ("checklist", True),
    ]


def test_plan_days_end_the_day_before_the_interview() -> None:
    assert plan_days(TODAY, TODAY + dt.timedelta(days=3)) == [
        TODAY,
        TODAY + dt.timedelta(days=1),
        TODAY + dt.timedelta(days=2),
    ]
    assert plan_days(TODAY, TODAY) == [TODAY]


def test_the_weak_sets_guides_go_first_in_their_tracks_and_its_problems_are_tasks() -> None:
    tracks = [
        ("T", [guide(1, "T", 10, 0), guide(2, "T", 10, 0), guide(3, "T", 10, 0)]),
        ("U", [guide(4, "U", 10, 0), guide(5, "U", 10, 0)]),
    ]
    plan = build_plan(
        today=TODAY,
        interview=TODAY + dt.timedelta(days=10),
        daily_minutes=240,
        tracks=tracks,
        has_cards=False,
        drilled_today=False,
        first_guides=[3, 5, 2],
        problems=[ProblemState("Pair Sum", "/problems/pair-sum/")],
    )
    tasks = [t for day in plan.days for t in day.tasks]
    assert [t.title for t in tasks if t.track == "T"] == ["Guide 3", "Guide 2", "Guide 1"]
    assert [t.title for t in tasks if t.track == "U"] == ["Guide 5", "Guide 4"]
    (problem,) = [t for t in tasks if t.kind == "problem"]
    assert plan.days[0].tasks[0] is problem  # the weak-set's problem starts the plan
    assert (problem.label, problem.url, problem.minutes) == (
        "Solve Pair Sum",
        "/problems/pair-sum/",
        PROBLEM_MINUTES,
    )


@settings(max_examples=100, deadline=None)
@given(
    spec=tracks,
    days=st.integers(0, 30),
    budget=st.integers(15, 240),
    first=st.lists(st.integers(1, 40), max_size=6, unique=True),
    problems=st.integers(0, 8),
)
def test_with_a_weak_set_a_plan_still_fits_and_loses_nothing(spec, days, budget, first, problems):
    plan = build_plan(
        today=TODAY,
        interview=TODAY + dt.timedelta(days=days),
        daily_minutes=budget,
        tracks=make_tracks(spec),
        has_cards=True,
        drilled_today=False,
        first_guides=first,
        problems=[ProblemState(f"Problem {n}", f"/problems/p{n}/") for n in range(problems)],
    )
    assert all(day.minutes <= budget for day in plan.days)
    tasks = [t for day in plan.days for t in day.tasks if t.kind != "drill"] + plan.unscheduled
    wanted = sum(1 + (items > 0) for entries in spec for _, items in entries) + problems
    assert len({(t.kind, t.title) for t in tasks}) == wanted


def test_the_weakest_mock_axis_guides_lead_the_days_ahead_and_are_not_planned_twice() -> None:
    why = "Your weakest mock axis: Communication"
    tracks = [("T", [guide(n, "T", 20, 0) for n in (1, 2, 3)])]
    lead = [guide(3, why, 20, 0), guide(9, why, 20, 0)]  # one in a chosen track, one not
    plan = build_plan(
        today=TODAY,
        interview=TODAY + dt.timedelta(days=5),
        daily_minutes=40,
        tracks=tracks,
        has_cards=False,
        drilled_today=False,
        lead_guides=lead,
    )
    # 80 minutes over 5 days: one guide a day, the axis's first.
    days = [[(t.title, t.track) for t in day.tasks] for day in plan.days]
    assert days == [
        [("Guide 3", why)],
        [("Guide 1", "T")],
        [("Guide 9", why)],
        [("Guide 2", "T")],
        [],
    ]
    titles = [t.title for day in plan.days for t in day.tasks]
    assert titles.count("Guide 3") == 1
    assert plan.lead_guides == lead
    # Finished already: counted as done, not planned again.
    done = guide(9, why, 20, 0, opened_on=TODAY - dt.timedelta(days=2))
    again = build_plan(
        today=TODAY,
        interview=TODAY + dt.timedelta(days=5),
        daily_minutes=40,
        tracks=tracks,
        has_cards=False,
        drilled_today=False,
        lead_guides=[done],
    )
    assert again.finished_before_today == 1
    assert "Guide 9" not in [t.title for day in again.days for t in day.tasks]


@settings(max_examples=100, deadline=None)
@given(
    spec=tracks,
    days=st.integers(0, 30),
    budget=st.integers(15, 240),
    lead=st.lists(st.integers(1, 50), max_size=5, unique=True),
)
def test_with_mock_axis_guides_a_plan_still_fits_and_plans_each_guide_once(
    spec, days, budget, lead
):
    made = make_tracks(spec)
    by_id = {g.guide_id: g for _, states in made for g in states}
    leading = [by_id.get(n, guide(n, "Axis")) for n in lead]
    plan = build_plan(
        today=TODAY,
        interview=TODAY + dt.timedelta(days=days),
        daily_minutes=budget,
        tracks=made,
        has_cards=True,
        drilled_today=False,
        lead_guides=leading,
    )
    assert all(day.minutes <= budget for day in plan.days)
    tasks = [t for day in plan.days for t in day.tasks if t.kind != "drill"] + plan.unscheduled
    wanted = {(g.guide_id, t.kind) for g in [*by_id.values(), *leading] for t in guide_tasks(g)}
    found = [
        (next(g.guide_id for g in [*by_id.values(), *leading] if g.title == t.title), t.kind)
        for t in tasks
        if t.part == 1
    ]
    assert sorted(found) == sorted(wanted)


def _work(day) -> list[tuple[str, str]]:
    return [(t.kind, t.title) for t in day.tasks if t.kind != "drill"]


def test_work_that_fits_is_spread_over_the_days_up_to_the_interview() -> None:
    # A free member's three free guides (22 minutes of reading, 15 of checklists), two weeks of
    # 45 minutes: no longer all today and nothing but drills after it.
    tracks = [
        ("Coding", [guide(1, "Coding", 11, 5)]),
        ("Mock", [guide(2, "Mock", 7, 5)]),
        ("Career", [guide(3, "Career", 4, 5)]),
    ]
    kwargs = {
        "interview": TODAY + dt.timedelta(days=14),
        "daily_minutes": 45,
        "tracks": tracks,
        "has_cards": True,
        "drilled_today": False,
    }
    plan = build_plan(today=TODAY, **kwargs)
    assert [_work(day) for day in plan.days[:7]] == [
        [("read", "Guide 1")],
        [("read", "Guide 2")],
        [("read", "Guide 3")],
        [("checklist", "Guide 1")],
        [("checklist", "Guide 2")],
        [("checklist", "Guide 3")],
        [],
    ]
    assert not plan.unscheduled
    assert all(day.tasks[0].kind == "drill" for day in plan.days)
    # Having read today's guide, the reader sees it done and no more today; the days after are
    # as they were.
    read = [("Coding", [guide(1, "Coding", 11, 5, opened_on=TODAY)]), *tracks[1:]]
    again = build_plan(today=TODAY, **{**kwargs, "tracks": read})
    assert [(t.title, t.done) for t in again.days[0].tasks if t.kind != "drill"] == [
        ("Guide 1", True)
    ]
    assert [_work(day) for day in again.days[1:]] == [_work(day) for day in plan.days[1:]]


def test_each_day_holds_its_share_of_the_work_left() -> None:
    tracks = [(f"T{t}", [guide(t * 100 + n, f"T{t}", 5, 0) for n in range(14)]) for t in (0, 1)]
    plan = build_plan(
        today=TODAY,
        interview=TODAY + dt.timedelta(days=14),
        daily_minutes=60,
        tracks=tracks,
        has_cards=False,
        drilled_today=False,
    )
    # 140 minutes over 14 days: 10 a day, one guide from each track.
    assert [day.minutes for day in plan.days] == [10] * 14
    assert all(sorted(t.track for t in day.tasks) == ["T0", "T1"] for day in plan.days)
    # More work than the days hold: each day is filled to its budget, the rest listed.
    full = build_plan(
        today=TODAY,
        interview=TODAY + dt.timedelta(days=2),
        daily_minutes=60,
        tracks=tracks,
        has_cards=False,
        drilled_today=False,
    )
    assert [day.minutes for day in full.days] == [60, 60]
    assert len(full.unscheduled) == 4


def test_guides_the_reader_may_not_read_are_named_not_planned() -> None:
    locked = [guide(9, "System Design", 20, 5)]
    plan = build_plan(
        today=TODAY,
        interview=TODAY + dt.timedelta(days=5),
        daily_minutes=45,
        tracks=[("Coding", [guide(1, "Coding", 10, 0)]), ("System Design", [])],
        has_cards=False,
        drilled_today=False,
        locked=locked,
    )
    assert plan.locked == locked
    assert not plan.all_locked
    assert "Guide 9" not in [t.title for day in plan.days for t in day.tasks]
    # Only premium tracks chosen: the plan says there is nothing in them to read yet.
    nothing = build_plan(
        today=TODAY,
        interview=TODAY + dt.timedelta(days=5),
        daily_minutes=45,
        tracks=[("System Design", [])],
        has_cards=False,
        drilled_today=False,
        locked=locked,
    )
    assert nothing.all_locked
    assert not any(day.tasks for day in nothing.days)
