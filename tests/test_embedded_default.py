"""`make run`, the embedded default, works: the Makefile's own `run` commands on a fresh SQLite
file with nothing else configured, then every page as a visitor and as a signed-in reader.

The suite itself runs on Postgres and Redis, so the site runs here in subprocesses with the
embedded settings (SQLite, local-memory cache, tasks inline, console email), and the
SQLite branches of the code (the migrations' Postgres-only operations, guide import, track
counts, search, opening a guide, the subscription sync's lock) are the ones that serve it.
"""

from __future__ import annotations

import os
import shlex
import signal
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path
from urllib.error import URLError
from urllib.request import urlopen

import pytest

from .conftest import ROOT, free_port, run_python, wait_for

SEED_TITLE = "Fine-Tuning vs Prompting"
# Everything that would point the site away from its embedded defaults, in the test's own
# environment (or a developer's .env, which the settings read unless the variable is set).
NOT_EMBEDDED = (
    "DATABASE_URL",
    "REDIS_URL",
    "EMAIL_URL",
    "STRIPE_SECRET_KEY",
    "STRIPE_WEBHOOK_SECRET",
    "STRIPE_PRICE_ID",
    "STRIPE_ANNUAL_PRICE_ID",
    "STRIPE_PORTAL_CONFIGURATION",
    "STRIPE_TEAM_PORTAL_CONFIGURATION",
    "STRIPE_API_BASE",
    "DJANGO_SCRIPT_NAME",
)


def run_recipe() -> list[list[str]]:
    """The commands of the Makefile's `run` target, with $(PY) as this interpreter."""
    lines = (ROOT / "Makefile").read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("run:"))
    recipe = []
    for line in lines[start + 1 :]:
        if not line.startswith("\t"):
            break
        recipe.append(shlex.split(line.strip().replace("$(PY)", sys.executable)))
    return recipe


def embedded_env(database: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in NOT_EMBEDDED}
    # Set empty rather than unset, so a .env in the checkout cannot fill them in.
    env.update(dict.fromkeys(NOT_EMBEDDED, ""))
    env["DATABASE_URL"] = f"sqlite:///{database}"
    env["DJANGO_SETTINGS_MODULE"] = "alphacode.settings"
    env["DJANGO_DEBUG"] = "1"
    return env


def guides(database: Path) -> list[tuple]:
    with closing(sqlite3.connect(database)) as db:
        return db.execute(
            "SELECT slug, version, updated_at FROM articles_guide ORDER BY slug"
        ).fetchall()


def run(command: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, (
        f"{shlex.join(command)} failed:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
    )
    return result


@pytest.mark.slow
def test_make_run_serves_every_page_to_a_visitor_and_a_reader_on_sqlite(
    tmp_path: Path, new_page
) -> None:
    *setup, serve = run_recipe()
    assert [command[1:3] for command in setup] == [
        ["manage.py", "migrate"],
        ["manage.py", "import_guides"],
        ["manage.py", "import_problems"],
        ["manage.py", "import_design_prompts"],
    ]
    assert serve[1:3] == ["manage.py", "runserver"]
    database = tmp_path / "db.sqlite3"
    env = embedded_env(database)
    env["DJANGO_MEDIA_ROOT"] = str(tmp_path / "media")  # the demo guides' images, not the checkout

    for command in setup:
        run(command, env)
    imported = guides(database)
    assert len(imported) == len(list((ROOT / "content" / "guides").glob("*.md")))
    with closing(sqlite3.connect(database)) as db:
        problems = db.execute("SELECT count(*) FROM practice_problem").fetchone()[0]
    assert problems == len(list((ROOT / "content" / "problems").glob("*.md")))
    with closing(sqlite3.connect(database)) as db:
        prompts = db.execute("SELECT count(*) FROM mocks_designprompt").fetchone()[0]
    assert prompts == len(list((ROOT / "content" / "design-prompts").glob("*.md")))
    # An editor changes a demo guide's dek (as the admin would store it)...
    with closing(sqlite3.connect(database)) as db, db:
        db.execute(
            "UPDATE articles_guide SET dek = 'An editor wrote this.' "
            "WHERE slug = 'fine-tuning-vs-prompting'"
        )
    # ...and `make run` again: nothing to apply, and the guides are left as they were, the
    # editor's change included.
    assert "No migrations to apply" in run(setup[0], env).stdout
    run(setup[1], env)
    assert guides(database) == imported
    with closing(sqlite3.connect(database)) as db:
        (dek,) = db.execute(
            "SELECT dek FROM articles_guide WHERE slug = 'fine-tuning-vs-prompting'"
        ).fetchone()
    assert dek == "An editor wrote this."

    # The visitor's and the reader's pages (tests/embedded_site.py says what each checks).
    result = run_python("-m", "tests.embedded_site", env=env, timeout=300)
    assert result.returncode == 0, f"{result.stdout[-8000:]}\n{result.stderr[-8000:]}"

    # And the server itself, as `make run` starts it (on a free port rather than 8000).
    address = f"127.0.0.1:{free_port()}"
    log = tmp_path / "runserver.log"
    with log.open("w") as output:
        server = subprocess.Popen(
            [*serve[:-1], address],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            # The autoreloader serves from a child process: stop the whole group.
            start_new_session=True,
        )
    try:
        wait_for(lambda: answers(f"http://{address}/healthz"), timeout=60)
        for path in ("/", "/guides/", "/search/?q=prompting"):
            assert SEED_TITLE in get(f"http://{address}{path}"), log.read_text()
        assert get(f"http://{address}/static/css/site.css")
        search_in_a_browser(new_page(), f"http://{address}")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def search_in_a_browser(page, site: str) -> None:
    """A visitor searches from the header of make run's site, in Chromium: "STAR" lists the
    guide titled STAR first (not the guides that say "start"), its snippet of whole words;
    "INCR" finds no guide that only says "increasingly"."""
    page.goto(site + "/")
    box = page.get_by_role("searchbox", name="Search guides")
    box.fill("STAR")
    box.press("Enter")
    page.wait_for_url("**/search/?q=STAR")
    titles = page.locator(".result-title")
    assert titles.first.inner_text() == "STAR Stories That Survive Follow-Ups"
    snippet = " ".join(page.locator(".result-snippet").first.inner_text().strip("… ").split())
    # The snippet is the guide's own words, cut between words: on the guide's page (what a
    # visitor reads of it), it neither starts nor ends inside a word.
    titles.first.get_by_role("link").click()
    text = " ".join(page.locator("main").inner_text().split())
    at = text.find(snippet)
    assert at >= 0, snippet
    assert at == 0 or not text[at - 1].isalnum(), snippet
    assert at + len(snippet) == len(text) or not text[at + len(snippet)].isalnum(), snippet
    box = page.get_by_role("searchbox", name="Search guides")
    box.fill("INCR")
    box.press("Enter")
    page.wait_for_url("**/search/?q=INCR")
    assert page.get_by_text(SEED_TITLE).count() == 0


def get(url: str) -> str:
    with urlopen(url, timeout=10) as response:
        assert response.status == 200, url
        return response.read().decode()


def answers(url: str) -> bool:
    try:
        return bool(get(url))
    except (URLError, ConnectionError):
        return False
