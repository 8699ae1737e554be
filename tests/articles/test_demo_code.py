"""The code in the demo guides works: every Python block marked `runnable` is run, and its
asserts (the examples a reader sees) must hold."""

from __future__ import annotations

import subprocess
import sys

import pytest

from articles.markdown import parse_guide

from ..conftest import CONTENT

RUNNABLE = [
    (path.name, block.line, block.text)
    for path in sorted(CONTENT.glob("*.md"))
    for section in parse_guide(path.read_text(), path.name).sections
    for block in section.blocks
    if block.kind == "code" and block.runnable
]


def test_the_coding_guide_has_runnable_python() -> None:
    assert sum(name == "two-pointers-and-sliding-windows.md" for name, _, _ in RUNNABLE) >= 3


@pytest.mark.parametrize(
    ("name", "line", "code"), RUNNABLE, ids=[f"{n}:{li}" for n, li, _ in RUNNABLE]
)
def test_runnable_python_in_the_demo_guides_runs(name: str, line: int, code: str) -> None:
    result = subprocess.run(
        [sys.executable, "-I", "-c", code], capture_output=True, text=True, timeout=30, check=False
    )
    assert result.returncode == 0, f"{name}:{line} failed:\n{result.stderr}"
