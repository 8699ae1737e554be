"""The skills a guide may say it trains, named in its front matter (`axes: [communication]`):
the mock interview rubric's axes (DESIGN.md, "Mock interviews"). The app that scores them
registers them when Django loads it (mocks.apps), so articles, a lower layer, checks the names
a guide gives without importing it; the mocks app then finds the guides for a member's weakest
axis."""

from __future__ import annotations

from collections.abc import Iterable

_AXES: dict[str, str] = {}  # key -> name, in the order registered


def register_axes(axes: Iterable[tuple[str, str]]) -> None:
    """Add (key, name) pairs to the axes a guide may name (a key given twice keeps its first
    name: system design and technical mocks share communication)."""
    for key, name in axes:
        _AXES.setdefault(key, name)


def known_axes() -> dict[str, str]:
    return dict(_AXES)


def unknown_axes(named: Iterable[str]) -> str | None:
    """What is wrong with the axes a guide's front matter names, or None."""
    unknown = [key for key in named if key not in _AXES]
    if not unknown:
        return None
    return (
        f"unknown axis/axes {', '.join(repr(key) for key in unknown)} (the rubric's axes are: "
        f"{', '.join(_AXES)})"
    )
