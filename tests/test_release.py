"""Deploys never serve stale pages: every cached entry belongs to the release that wrote it (a
digest of the code, templates and static files, alphacode.release), so a template changed
between two releases shows at once, with no number to bump by hand."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings

from alphacode.release import code_release, release_sources

from .conftest import ROOT, database_url, run_python
from .factories import make_guide

MARK = "<!-- markup of the new release -->"

# Asks for a guide page as a visitor in a process of its own (a web process of one release),
# printing the release and the page.
PAGE = """
import django
django.setup()
from django.conf import settings
from django.test import Client
page = Client().get("/guides/{slug}/")
assert page.status_code == 200, page.status_code
print(settings.RELEASE)
print(page.content.decode())
"""


def deployed(tmp_path: Path) -> Path:
    """A copy of the code, as a deploy would put it on a machine."""
    target = tmp_path / "release"
    target.mkdir()
    for source in (*release_sources(ROOT), "manage.py"):
        path = ROOT / source
        if path.is_dir():
            shutil.copytree(path, target / source, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(path, target / source)
    return target


def serve(code: Path, slug: str, **environ: str) -> tuple[str, str]:
    """The release a process of this code runs, and the guide page it serves."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "alphacode.settings",
        "DJANGO_DEBUG": "1",
        "DJANGO_ALLOWED_HOSTS": "testserver",
        "DATABASE_URL": database_url(),
        # The same Redis as this test's cache, and the same key prefix as a deploy uses.
        "REDIS_URL": settings.CACHES["default"]["LOCATION"],
        "STATS_FLUSH_SECONDS": "0",
        "RELEASE": "",
        **environ,
    }
    done = run_python("-c", PAGE.format(slug=slug), env=env, cwd=code)
    assert done.returncode == 0, done.stderr[-3000:]
    release, page = done.stdout.split("\n", 1)
    return release, page


def test_the_release_is_a_digest_of_the_code_that_moves_with_a_template(tmp_path) -> None:
    code = deployed(tmp_path)
    before = code_release(code)
    assert before == code_release(code)  # the same code, the same release
    assert settings.CACHES["default"]["VERSION"] == settings.RELEASE
    body = code / "templates" / "articles" / "includes" / "guide_body.html"
    body.write_text(MARK + body.read_text())
    assert code_release(code) != before


@pytest.mark.django_db(transaction=True)
def test_a_template_changed_between_two_releases_shows_at_once(tmp_path) -> None:
    guide = make_guide(slug="deployed-twice", access="free")
    code = deployed(tmp_path)
    first, page = serve(code, guide.slug)
    assert guide.title in page
    assert MARK not in page  # and its body is now cached (24 hours), its page too (5 minutes)

    body = code / "templates" / "articles" / "includes" / "guide_body.html"
    body.write_text(MARK + "\n" + body.read_text())

    # What a deploy did when the cache's version was a number someone had to remember: the new
    # code reads what the old code cached, and serves the old markup.
    _, stale = serve(code, guide.slug, RELEASE=first)
    assert MARK not in stale
    # With the release worked out from the code, the new markup is served at once.
    second, fresh = serve(code, guide.slug)
    assert second != first
    assert MARK in fresh
