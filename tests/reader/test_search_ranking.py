"""Search gives the same first result on Postgres (the suite's database, production) and on
SQLite (the embedded default `make run` serves, run here in a subprocess on a fresh file): a
whole word, never a match inside a longer one, and a title match ahead of a body match."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from reader.search import search_guides

from ..conftest import CONTENT, run_python
from ..test_embedded_default import embedded_env, run

STAR = "star-stories-that-survive-follow-ups"
RATE_LIMITER = "designing-a-rate-limiter"
# The one demo guide with "increasingly" in it: "INCR" must not find it.
INCREASINGLY = "fine-tuning-vs-prompting"

GUIDE = """---
title: "{title}"
slug: {slug}
track: coding
dek: "{dek}"
access: free
preview_sections: 1
status: published
published_at: {published_at}
---
{body}

## Next

More words to read.
"""

# "wombat" is in the older guide's title once and in the newer guide's text five times.
EXTRA = {
    "wombat-in-the-title.md": GUIDE.format(
        title="Wombat Windows",
        slug="wombat-in-the-title",
        dek="A short guide",
        published_at="2026-01-01T09:00:00Z",
        body="A guide about queues and nothing else.",
    ),
    "wombat-in-the-text.md": GUIDE.format(
        title="Queues in Practice",
        slug="wombat-in-the-text",
        dek="Another short guide",
        published_at="2026-11-01T09:00:00Z",
        body="The wombat digs; a wombat sleeps; wombat one, wombat two, wombat three.",
    ),
}

# (query, full access?) -> the slug that must come first, or None for no result at all.
EXPECTED = {
    ("STAR", False): STAR,
    ("STAR", True): STAR,
    ("INCR", True): RATE_LIMITER,
    ("wombat", False): "wombat-in-the-title",
    ("wombat", True): "wombat-in-the-title",
}
# FTS5 query syntax typed into the search box: plain words on SQLite, never an error.
ODD_QUERIES = ['"', "*", "star*", "NEAR(a b)", "a AND (b", "-", "( ) : ^", "title:star"]

SEARCH = """
import json, sys
import django
django.setup()
from reader.search import search_guides
firsts = {}
for query, full_access in json.loads(sys.argv[1]):
    results = search_guides(query, full_access=full_access)
    firsts[f"{query}|{full_access}"] = [r.guide.slug for r in results]
print(json.dumps(firsts))
"""


@pytest.fixture
def guides_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "guides"
    shutil.copytree(CONTENT, folder)
    for name, text in EXTRA.items():
        (folder / name).write_text(text)
    return folder


def sqlite_results(folder: Path, tmp_path: Path, queries: list[tuple[str, bool]]) -> dict:
    env = embedded_env(tmp_path / "db.sqlite3")
    env["DJANGO_MEDIA_ROOT"] = str(tmp_path / "media")
    run([sys.executable, "manage.py", "migrate", "--noinput"], env)
    run([sys.executable, "manage.py", "import_guides", "--new-only", str(folder)], env)
    result = run_python("-c", SEARCH, json.dumps(queries), env=env)
    assert result.returncode == 0, result.stderr[-4000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.slow
@pytest.mark.django_db
def test_postgres_and_sqlite_put_the_same_guide_first(guides_folder: Path, tmp_path: Path) -> None:
    call_command("import_guides", str(guides_folder))
    queries = [*EXPECTED, ("INCR", False), *((q, a) for q in ODD_QUERIES for a in (False, True))]
    postgres = {
        f"{query}|{full_access}": [
            r.guide.slug for r in search_guides(query, full_access=full_access)
        ]
        for query, full_access in queries
    }
    sqlite = sqlite_results(guides_folder, tmp_path, queries)

    for (query, full_access), first in EXPECTED.items():
        key = f"{query}|{full_access}"
        assert postgres[key][:1] == [first], (key, postgres[key])
        assert sqlite[key][:1] == [first], (key, sqlite[key])
    for key in ("INCR|False", "INCR|True"):
        # A whole word: "INCR" is not the start of "increasingly".
        assert INCREASINGLY not in postgres[key], postgres[key]
        assert INCREASINGLY not in sqlite[key], sqlite[key]
    # Visitors search the preview only; INCR is past the rate limiter guide's preview.
    assert postgres["INCR|False"] == sqlite["INCR|False"] == []
    # Odd queries answered (the subprocess ran them all without an error).
    assert set(sqlite) == set(postgres)
