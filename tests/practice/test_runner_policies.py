"""The practice runner's policies. Its worker script gets one of its own
(alphacode.worker_policy): the site's, with WebAssembly compilation allowed, on its 200 and on
its 304 alike; every other static file keeps the site's policy. The problem page lets CodeMirror
style the editor (a style nonce)."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings
from django.utils.csp import CSP

from alphacode.worker_policy import WORKER, worker_policy

from ..conftest import ROOT

WORKER_SCRIPT = ROOT / "static" / "build" / "runner-worker.js"


def test_the_worker_policy_is_the_sites_with_webassembly_and_nothing_else(settings) -> None:
    policy = dict(part.split(" ", 1) for part in worker_policy().split("; "))
    assert policy["script-src"] == "'self' 'wasm-unsafe-eval'"
    assert "unsafe-eval'" not in worker_policy().replace("'wasm-unsafe-eval'", "")
    # Every other directive as the site has it (connect-src 'self': Python fetches nowhere else).
    assert policy["connect-src"] == "'self'"
    assert policy["default-src"] == "'self'"
    assert set(policy) == set(settings.SECURE_CSP)


def test_the_worker_is_found_by_its_plain_and_its_hashed_name() -> None:
    assert WORKER.search("/static/build/runner-worker.js")
    assert WORKER.search("/static/build/runner-worker.6c4a94c0c909.js")
    assert not WORKER.search("/static/build/practice.js")
    assert not WORKER.search("/static/build/runner-worker.js.map")


@override_settings(WHITENOISE_USE_FINDERS=True)  # static/ itself, through the middleware
def test_the_worker_script_has_its_policy_even_when_not_modified() -> None:
    if not WORKER_SCRIPT.exists():
        pytest.fail("build the practice runner's bundle: make static/build/.stamp", pytrace=False)
    client = Client()
    response = client.get("/static/build/runner-worker.js")
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == worker_policy()
    # A browser revalidating its copy takes the 304's headers: the same policy.
    again = client.get("/static/build/runner-worker.js", HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304
    assert again["Content-Security-Policy"] == worker_policy()
    # Other static files keep the site's policy.
    css = client.get("/static/css/site.css")
    assert "wasm-unsafe-eval" not in css["Content-Security-Policy"]


def test_the_problem_page_lets_codemirror_style_the_editor(db) -> None:
    from practice.services import problem_files, problems_import

    problems_import(problem_files([ROOT / "content" / "problems" / "pair-with-target-sum.md"]))
    policy = Client().get("/problems/pair-with-target-sum/")["Content-Security-Policy"]
    directives = dict(part.split(" ", 1) for part in policy.split("; "))
    assert directives["style-src"].startswith(f"{CSP.SELF} 'nonce-")
