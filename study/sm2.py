"""SM-2, the SuperMemo 2 spaced-repetition algorithm (P. A. Wozniak, 1990), as published:

1. Every item starts with an E-Factor (ease) of 2.5.
2. Intervals: I(1) = 1 day, I(2) = 6 days, I(n) = I(n-1) * EF for n > 2, rounded up
   (EF as updated by this review).
3. After each repetition the quality q (0-5) updates the E-Factor:
   EF' = EF + (0.1 - (5 - q) * (0.08 + (5 - q) * 0.02)), never below 1.3.
4. A quality below 3 starts the repetitions again from I(1), without changing the E-Factor.
5. Items that scored below 4 are repeated again the same day until they score at least 4;
   those same-day repeats do not change the schedule.

The four buttons map to qualities: Again 1, Hard 3, Good 4, Easy 5.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

QUALITY = {"again": 1, "hard": 3, "good": 4, "easy": 5}
START_EASE = 2.5
MIN_EASE = 1.3


@dataclass(frozen=True)
class Schedule:
    repetitions: int = 0
    interval: int = 0
    ease: float = START_EASE
    lapses: int = 0
    repeat_today: bool = False


def review(schedule: Schedule, grade: str) -> Schedule:
    """The schedule after one review graded `grade` (a key of QUALITY)."""
    q = QUALITY[grade]
    if schedule.repeat_today:
        # Rule 5: a same-day repeat only decides whether the card comes back again today.
        return replace(schedule, repeat_today=q < 4)
    if q < 3:
        return replace(
            schedule, repetitions=0, interval=1, lapses=schedule.lapses + 1, repeat_today=True
        )
    ease = max(MIN_EASE, schedule.ease + (0.1 - (5 - q) * (0.08 + (5 - q) * 0.02)))
    repetitions = schedule.repetitions + 1
    if repetitions == 1:
        interval = 1
    elif repetitions == 2:
        interval = 6
    else:
        # Rounded to 6 places first, so float noise (6 * 2.36 = 14.159999...) never adds a day.
        interval = math.ceil(round(schedule.interval * ease, 6))
    return Schedule(repetitions, interval, round(ease, 6), schedule.lapses, repeat_today=q < 4)
