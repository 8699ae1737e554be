"""Bar charts drawn on the server as SVG: coordinates worked out here, the <svg> written by a
template (templates/stats/bar_chart.html). Each bar's week is written under it and the scale
(the largest figure, zero and, with negative figures, the smallest) beside the bars, as text the
owner reads without hovering. Each chart sits beside a table of the same figures, which is what
a screen reader reads. A chart with nothing to show says so, and when its first figures will
appear, instead of an empty box."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

WIDTH = 600
PLOT_HEIGHT = 150
LEFT = 64  # room for the scale's labels
TOP = 10  # so the top label is not cut in half
BOTTOM = 22  # room for the weeks' labels
HEIGHT = TOP + PLOT_HEIGHT + BOTTOM
GAP = 6
NO_DATA = "No data yet"


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str  # the week, and the figure in words (each bar's tooltip)
    negative: bool
    week: str  # the week's label under the bar ("7 Dec")
    centre: float  # the x of the week's label


@dataclass(frozen=True)
class Tick:
    """A figure of the scale, written beside the bars at the height it stands for."""

    y: float
    text: str


@dataclass(frozen=True)
class Chart:
    title: str
    bars: list[Bar]
    baseline: float  # the y of zero
    ticks: list[Tick]
    empty: str  # when there is nothing to show: when the first figures will appear; else ""
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    week_y: int = HEIGHT - 6
    middle: float = LEFT + (WIDTH - LEFT) / 2
    no_data: str = NO_DATA

    @property
    def name(self) -> str:
        """The chart's accessible name."""
        if self.empty:
            return f"{self.title}: {NO_DATA.lower()}. {self.empty}"
        return f"{self.title}, as bars (the table below has the figures)"


def count_text(value: float) -> str:
    return f"{value:,.0f}" if value == int(value) else f"{value:,.1f}"


def dollars_text(value: float) -> str:
    sign = "-" if value < 0 else ""
    value = abs(value)
    return f"{sign}${value:,.0f}" if value == int(value) else f"{sign}${value:,.2f}"


def hours_text(value: float) -> str:
    return f"{value:,.1f} h" if value else "0 h"


def bar_chart(
    title: str,
    values: list[float],
    labels: list[str],
    weeks: list[str],
    *,
    empty: str,
    has_data: bool | None = None,
    scale: Callable[[float], str] = count_text,
) -> Chart:
    """One bar per value, from a zero line (bars below it for negative values), each week's
    label under its bar and the scale's figures beside them (`scale` writes one: $ for money,
    a count otherwise). With no data (`has_data`, by default: a figure that is not zero) no bars
    are drawn and the chart says `empty`: when the first figures will appear."""
    if has_data is None:
        has_data = any(values)
    top = max([0.0, *values])
    bottom = min([0.0, *values])
    span = (top - bottom) or 1.0
    # With nothing above zero the zero line is the bottom of the chart, not its top.
    baseline = TOP + PLOT_HEIGHT * (top / span if top or bottom else 1)
    step = (WIDTH - LEFT) / max(len(values), 1)
    bars = []
    for index, (value, label, week) in enumerate(zip(values, labels, weeks, strict=True)):
        size = PLOT_HEIGHT * abs(value) / span
        x = LEFT + index * step
        bars.append(
            Bar(
                x=round(x + GAP / 2, 1),
                y=round(baseline if value < 0 else baseline - size, 1),
                width=round(step - GAP, 1),
                height=round(size, 1),
                label=label,
                negative=value < 0,
                week=week,
                centre=round(x + step / 2, 1),
            )
        )
    ticks = [Tick(y=round(baseline, 1), text=scale(0))]
    if top > 0:
        ticks.insert(0, Tick(y=TOP, text=scale(top)))
    if bottom < 0:
        ticks.append(Tick(y=TOP + PLOT_HEIGHT, text=scale(bottom)))
    return Chart(
        title=title,
        bars=bars if has_data else [],
        baseline=round(baseline, 1),
        ticks=ticks if has_data else [],
        empty="" if has_data else empty,
    )
