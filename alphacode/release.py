"""The release this process runs: a short digest of the code, templates and static files, worked
out once at start-up, or the image's build id when `RELEASE` is set. It is the default cache's
`VERSION` (alphacode.settings), so every cached entry (rendered guide bodies, pages, pickled
objects) belongs to one release: a deploy that changes a template, a view or a cached dataclass
never reads what the code before it wrote, and nobody has to remember to bump a number."""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

# What decides a cached entry's content or shape. Tests, docs, content and the virtual
# environment do not (the libraries are pinned in pyproject.toml, which is included).
SOURCES = (
    "accounts",
    "alphacode",
    "articles",
    "billing",
    "mail",
    "mailings",
    "pages",
    "stats",
    "study",
    "templates",
    "static",
    "pyproject.toml",
)
SKIPPED_PARTS = {"__pycache__", "migrations"}


def code_release(root: Path) -> str:
    """A 12-character digest of every file under SOURCES (its path and its bytes), of Python's
    version and of Django's (pinned to a range, so a patch release changes no file here, and
    Django's pickled models carry its version)."""
    import django

    digest = hashlib.blake2b(digest_size=6)
    digest.update(f"{sys.version}\0{django.get_version()}\0".encode())
    for source in SOURCES:
        top = root / source
        files = [top] if top.is_file() else sorted(top.rglob("*"))
        for path in files:
            if not path.is_file() or SKIPPED_PARTS.intersection(path.parts):
                continue
            digest.update(path.relative_to(root).as_posix().encode() + b"\0")
            digest.update(path.read_bytes())
            digest.update(b"\0")
    return digest.hexdigest()
