"""What the study services refuse with."""

from __future__ import annotations


class NotAllowed(Exception):
    """The reader may not act on this item (its section is past their preview)."""
