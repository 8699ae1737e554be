"""Bar charts drawn on the server as SVG: coordinates worked out here, the <svg> written by a
template (templates/stats/bar_chart.html). Each chart sits beside a table of the same figures,
which is what a screen reader reads."""

from __future__ import annotations

from dataclasses import dataclass

WIDTH = 600
HEIGHT = 150
GAP = 6


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str  # the week, and the figure in words (each bar's tooltip)
    negative: bool


@dataclass(frozen=True)
class Chart:
    title: str
    bars: list[Bar]
    baseline: float  # the y of zero
    width: int = WIDTH
    height: int = HEIGHT


def bar_chart(title: str, values: list[float], labels: list[str]) -> Chart:
    """One bar per value, from a zero line (bars below it for negative values)."""
    top = max([0.0, *values])
    bottom = min([0.0, *values])
    span = (top - bottom) or 1.0
    baseline = HEIGHT * top / span
    step = WIDTH / max(len(values), 1)
    bars = []
    for index, (value, label) in enumerate(zip(values, labels, strict=True)):
        size = HEIGHT * abs(value) / span
        bars.append(
            Bar(
                x=round(index * step + GAP / 2, 1),
                y=round(baseline if value < 0 else baseline - size, 1),
                width=round(step - GAP, 1),
                height=round(size, 1),
                label=label,
                negative=value < 0,
            )
        )
    return Chart(title=title, bars=bars, baseline=round(baseline, 1))
