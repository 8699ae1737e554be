"""The kinds of block a guide's section is made of: one module per kind, each registering one
`BlockKind` class (articles.blocks.base), found here when the package is imported."""

from __future__ import annotations

import pkgutil
from importlib import import_module

from .base import (
    BlockData,
    BlockKind,
    GuideFormatError,
    Placement,
    Reader,
    Study,
    register,
    registry,
)

__all__ = [
    "BlockData",
    "BlockKind",
    "GuideFormatError",
    "Placement",
    "Reader",
    "Study",
    "choices",
    "register",
    "registry",
]

# Every module beside base.py is a kind: adding one is adding its module (and its template).
for _module in pkgutil.iter_modules(__path__):
    if _module.name != "base":
        import_module(f"{__name__}.{_module.name}")


def choices() -> list[tuple[str, str]]:
    """Block.kind's choices: every registered kind (a callable, so a new kind needs no
    migration)."""
    return registry.choices()
