"""SM-2 against its published rules: I(1) = 1, I(2) = 6, I(n) = I(n-1) x EF rounded up; the
E-Factor formula with its 1.3 floor; a failed recall restarts the intervals and keeps EF."""

from __future__ import annotations

import pytest

from study.sm2 import Schedule, review


def run(*grades: str) -> list[Schedule]:
    schedule, seen = Schedule(), []
    for grade in grades:
        schedule = review(schedule, grade)
        if schedule.repeat_today:  # the same-day repeat (rule 5), answered well
            schedule = review(schedule, "good")
        seen.append(schedule)
    return seen


def test_good_answers_follow_the_published_intervals() -> None:
    # q = 4 leaves EF at 2.5: 1, 6, 6 x 2.5 = 15, 15 x 2.5 = 37.5 -> 38, 38 x 2.5 = 95.
    assert [s.interval for s in run("good", "good", "good", "good", "good")] == [1, 6, 15, 38, 95]
    assert run("good")[0].ease == 2.5


def test_easy_raises_the_ease_and_hard_lowers_it() -> None:
    easy = run("easy", "easy", "easy")
    # EF: 2.6, 2.7, 2.8; intervals 1, 6, ceil(6 x 2.8) = 17.
    assert [s.ease for s in easy] == pytest.approx([2.6, 2.7, 2.8])
    assert [s.interval for s in easy] == [1, 6, 17]
    hard = run("hard", "hard", "hard")
    # EF: 2.36, 2.22, 2.08; intervals 1, 6, ceil(6 x 2.08) = 13.
    assert [s.ease for s in hard] == pytest.approx([2.36, 2.22, 2.08])
    assert [s.interval for s in hard] == [1, 6, 13]


def test_the_ease_never_falls_below_1_3() -> None:
    assert run(*["hard"] * 12)[-1].ease == pytest.approx(1.3)


def test_again_restarts_the_intervals_and_keeps_the_ease() -> None:
    before = run("good", "good", "easy")[-1]
    after = review(before, "again")
    assert (after.repetitions, after.interval, after.lapses) == (0, 1, 1)
    assert after.ease == before.ease
    assert after.repeat_today  # comes back in today's session
    regrown = [s.interval for s in run("good", "good", "again", "good", "good", "good")]
    assert regrown == [1, 6, 1, 1, 6, 15]


def test_same_day_repeats_do_not_move_the_schedule() -> None:
    hard = review(Schedule(), "hard")
    assert hard.repeat_today
    assert hard.interval == 1
    again_today = review(hard, "hard")
    assert again_today.repeat_today
    assert again_today.interval == 1
    done = review(again_today, "good")
    assert not done.repeat_today
    assert (done.repetitions, done.interval) == (1, 1)
