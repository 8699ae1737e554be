"""A test-only URLconf for the practice runner's browser tests (test_runner_browser.py): the
project's URLs plus a minimal problem page with `#runner` and its data attributes, and fake
session, code, solves, hint and solution endpoints that keep what was posted to them, to the
contract the real problem views follow."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import engines
from django.urls import include, path, reverse
from django.utils.csp import CSP
from django.views.decorators.csp import csp_override
from django.views.decorators.http import require_GET, require_POST

# What a problem page adds to the site's policy (settings.SECURE_CSP), as the problem view
# applies it with csp_override: CodeMirror puts its styles in a <style> element, which carries
# the page's nonce. The worker's own policy is its script's response header
# (alphacode.worker_policy).
PROBLEM_PAGE_CSP = {**settings.SECURE_CSP, "style-src": [CSP.SELF, CSP.NONCE]}

STARTER = "def pair_with_sum(nums: list[int], target: int) -> list[int]:\n    pass\n"


@dataclass
class Problem:
    cases: list[dict[str, Any]]
    time_limit_seconds: int = 5
    signed_in: bool = True
    starter: str = STARTER
    code: str | None = None  # the reader's last code; the starter when None
    error: str = ""  # a 403 {"error": ...} from the session endpoint when set
    hints: list[str] = field(default_factory=list)
    # The help asked for since the last solve, which the session hands back.
    hints_seen: int = 0
    solution_seen: bool = False


VISIBLE = [
    {"source": "assert pair_with_sum([1, 2, 3, 4, 6], 6) == [1, 3]", "hidden": False},
    {"source": "assert pair_with_sum([2, 5, 9, 11], 11) == [0, 2]", "hidden": False},
]
HIDDEN = [
    {"source": "assert pair_with_sum([], 5) == []", "hidden": True},
    {"source": "assert pair_with_sum([1, 2], 4) == []", "hidden": True},
]

HINTS = ["<p>The list is sorted.</p>", "<p>Start with one pointer at each end.</p>"]
SOLUTION_HTML = '<div class="solution"><p>Two pointers.</p></div>'


def hint_html(number: int, text: str) -> str:
    return f'<div class="hint"><h3>Hint {number}</h3>{text}</div>'


PROBLEMS = {
    "pair": Problem(cases=VISIBLE + HIDDEN, hints=HINTS),
    "pair-quick": Problem(cases=VISIBLE + HIDDEN, time_limit_seconds=2),
    "pair-visitor": Problem(cases=VISIBLE + HIDDEN, signed_in=False),
    "locked": Problem(cases=[], error="Subscribe to run this problem's tests."),
    "pair-helped": Problem(cases=VISIBLE + HIDDEN, hints=HINTS, hints_seen=2, solution_seen=True),
}


@dataclass
class Posted:
    endpoint: str
    key: str
    fields: dict[str, str]
    headers: dict[str, str]
    content_type: str


# What the page posted, in order (CsrfViewMiddleware has checked each one's token).
POSTED: list[Posted] = []

PAGE = """{% load static %}<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Runner test: {{ key }}</title>
  <link rel="stylesheet" href="{% static 'css/site.css' %}">
</head>
<body>
<main id="main">
  <h1>Pair With Target Sum</h1>
  <input type="hidden" name="csrfmiddlewaretoken" value="{{ csrf_token }}">
  <section id="runner" aria-label="Run your code"
    data-session="{{ urls.session }}" data-code="{{ urls.code }}" data-solves="{{ urls.solves }}"
    data-worker="{% static 'build/runner-worker.js' %}" data-pyodide="{% static 'build/pyodide/' %}"
    data-time-limit="{{ problem.time_limit_seconds }}">
    <p class="runner-needs-js">Running your code needs JavaScript.</p>
  </section>
  <section aria-label="Hints">
    <div id="hints-shown"></div>
    <form class="hint-form" method="post" action="{{ urls.hint }}">
      <input type="hidden" name="csrfmiddlewaretoken" value="{{ csrf_token }}">
      <button type="submit" class="button button-quiet">Show a hint</button>
    </form>
  </section>
  <section aria-label="Solution">
    <div id="solution-shown"></div>
    <form class="solution-form" method="post" action="{{ urls.solution }}">
      <input type="hidden" name="csrfmiddlewaretoken" value="{{ csrf_token }}">
      <button type="submit" class="button button-quiet">Show the solution</button>
    </form>
  </section>
</main>
<script type="module" src="{% static 'build/practice.js' %}" nonce="{{ csp_nonce }}"></script>
</body>
</html>
"""


def urls_for(key: str) -> dict[str, str]:
    return {
        name: reverse(f"runner-test-{name}", args=[key])
        for name in ("session", "code", "solves", "hint", "solution")
    }


@require_GET
@csp_override(PROBLEM_PAGE_CSP)
def problem_page(request: HttpRequest, key: str) -> HttpResponse:
    template = engines["django"].from_string(PAGE)
    context = {"key": key, "problem": PROBLEMS[key], "urls": urls_for(key)}
    return HttpResponse(template.render(context, request))


@require_GET
def session(request: HttpRequest, key: str) -> JsonResponse:
    problem = PROBLEMS[key]
    if problem.error:
        return JsonResponse({"error": problem.error}, status=403)
    return JsonResponse(
        {
            "code": problem.code if problem.code is not None else problem.starter,
            "starter": problem.starter,
            "time_limit_seconds": problem.time_limit_seconds,
            "cases": problem.cases,
            "signed_in": problem.signed_in,
            "solved": False,
            "due": None,
            "hints": [hint_html(n, text) for n, text in enumerate(problem.hints, 1)][
                : problem.hints_seen
            ],
            "hints_total": len(problem.hints),
            "solution": SOLUTION_HTML if problem.solution_seen else None,
        }
    )


def record(request: HttpRequest, endpoint: str, key: str) -> None:
    fields = {k: v for k, v in request.POST.items() if k != "csrfmiddlewaretoken"}
    POSTED.append(Posted(endpoint, key, fields, dict(request.headers), request.content_type))


@require_POST
def code(request: HttpRequest, key: str) -> HttpResponse:
    record(request, "code", key)
    return HttpResponse(status=204)


@require_POST
def solves(request: HttpRequest, key: str) -> JsonResponse:
    record(request, "solves", key)
    return JsonResponse(
        {"solved": True, "due": "2026-12-10", "message": "Solved. Next review on 10 Dec 2026."}
    )


@require_POST
def hint(request: HttpRequest, key: str) -> JsonResponse:
    record(request, "hint", key)
    hints = PROBLEMS[key].hints
    number = len([p for p in POSTED if p.endpoint == "hint" and p.key == key])
    html = hint_html(number, hints[number - 1])
    return JsonResponse({"html": html, "number": number, "total": len(hints)})


@require_POST
def solution(request: HttpRequest, key: str) -> JsonResponse:
    record(request, "solution", key)
    return JsonResponse({"html": SOLUTION_HTML})


def posted(endpoint: str) -> list[Posted]:
    return [p for p in POSTED if p.endpoint == endpoint]


urlpatterns = [
    path("runner-test/<slug:key>/", problem_page, name="runner-test-page"),
    path("runner-test/<slug:key>/session", session, name="runner-test-session"),
    path("runner-test/<slug:key>/code", code, name="runner-test-code"),
    path("runner-test/<slug:key>/solves", solves, name="runner-test-solves"),
    path("runner-test/<slug:key>/hint", hint, name="runner-test-hint"),
    path("runner-test/<slug:key>/solution", solution, name="runner-test-solution"),
    path("", include("alphacode.urls")),
]
