"""Writes to a reader's study data, one module per concern:

- `state`: the reader's cached ticks and finished guides, and opening a guide;
- `checklists`: ticking items; `reading`: finishing a guide, the section reached;
- `drills`: grading a card; `plans`: building the study plan.

Reads live in `study.selectors`. The names below are the ones other apps import from
`study.services` (the guide page, the cache's per-user keys); new code imports from the module
that holds the name."""

from __future__ import annotations

from ..selectors import continue_reading, has_plan
from .state import ReaderState, open_guide, reading_key, state_key, state_stamp_key

__all__ = [
    "ReaderState",
    "continue_reading",
    "has_plan",
    "open_guide",
    "reading_key",
    "state_key",
    "state_stamp_key",
]
