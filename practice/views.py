"""The problem page and what its runner asks the server for (DESIGN.md, "Practice").

The page is the same for every reader of one kind and audience, so it is served from a shell
(pages.shells, pages.cache.PROBLEM), like a guide. What is one reader's (their last code, the
hints and solution they asked for, whether they solved it) and what only a reader who may run
the problem may have (the starter, the tests and the hidden tests) come from `session`, as JSON
that is never cached. Code runs in the reader's browser (frontend/, a Web Worker on Pyodide);
the server only keeps what the reader's browser reports. Hints and the solution are plain form
POSTs that work without JavaScript (then shown on the help page) and answer JSON to the page's
script."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.csp import CSP
from django.views.decorators.cache import never_cache
from django.views.decorators.csp import csp_override
from django.views.decorators.http import require_GET, require_POST

from accounts.requests import AuthenticatedRequest, signed_in_user
from billing.entitlements import can_read, can_read_premium
from pages.answers import refused, wants_json
from pages.cache import PROBLEM
from pages.shells import Shell, build_shell, reader_kind, serve

from .models import Problem
from .problem_format import cases_in
from .rendering import hint_html, solution_html, statement_html, statement_summary
from .solving import (
    MAX_CODE_CHARS,
    attempt_of,
    code_save,
    hint_show,
    hints_seen,
    solution_show,
    solve_record,
)

# What the problem page needs beyond the site's policy: CodeMirror's <style> element, which
# carries the page's nonce, and the runner's worker from our own origin. WebAssembly is compiled in
# the worker, under the worker script's own policy (alphacode.worker_policy), not the page's.
SITE_CSP: dict[str, list[str]] = settings.SECURE_CSP  # type: ignore[assignment]
RUNNER_CSP: dict[str, list[str]] = {
    **SITE_CSP,
    "style-src": [*SITE_CSP["style-src"], CSP.NONCE],
    "worker-src": [CSP.SELF],
}


class CodeForm(forms.Form):
    code = forms.CharField(
        strip=False,
        required=False,
        max_length=MAX_CODE_CHARS,
        error_messages={"max_length": "Code is kept up to %(limit_value)d characters."},
    )


def _published(slug: str) -> Problem:
    return get_object_or_404(Problem.objects.published().select_related("pattern"), slug=slug)


@require_GET
@csp_override(RUNNER_CSP)
def problem(request: HttpRequest, slug: str) -> HttpResponse:
    """The statement (a premium problem's first paragraph only, for a reader without access),
    and for a reader who may run it, the runner's place, its hints and solution forms."""
    audience = "reader" if can_read_premium(request.user) else "visitor"

    def build() -> Shell:
        problem = _published(slug)
        full = not problem.is_premium or audience == "reader"
        context: dict[str, Any] = {
            "problem": problem,
            "full": full,
            "statement": statement_html(problem, full=full),
            "summary": statement_summary(problem),
            "patterns": list(problem.patterns.all()),
            "canonical": f"{settings.SITE_URL}{problem.get_absolute_url()}",
            "runner": {
                "session": reverse("practice:session", args=[slug]),
                "code": reverse("practice:code", args=[slug]),
                "solves": reverse("practice:solves", args=[slug]),
                "worker": static("build/runner-worker.js"),
                # A folder: never hashed (the worker adds the runtime's version to it).
                "pyodide": static("build/pyodide/"),
            },
        }
        return build_shell("practice/problem.html", context, request=request)

    return serve(PROBLEM.kept((slug, audience, reader_kind(request.user)), build), request)


@require_GET
@never_cache
def session(request: HttpRequest, slug: str) -> HttpResponse:
    """What the runner needs, for a reader who may run the problem: their last code (or the
    starter), the test cases (hidden ones too: they run here, their source is never shown), the
    time limit, and whether they have solved it."""
    problem = _published(slug)
    if not can_read(request.user, problem):
        return JsonResponse({"error": "Subscribe to run this problem."}, status=403)
    reader = signed_in_user(request)
    attempt = attempt_of(reader, problem) if reader else None
    starter = problem.code.get("starter", "")
    cases = [
        {"source": case.source, "hidden": hidden}
        for kind, hidden in (("tests", False), ("hidden-tests", True))
        for case in cases_in(problem.code.get(kind, ""))
    ]
    return JsonResponse(
        {
            "code": attempt.code if attempt and attempt.code_saved_at else starter,
            "starter": starter,
            "time_limit_seconds": problem.time_limit_seconds,
            "cases": cases,
            "signed_in": reader is not None,
            "solved": bool(attempt and attempt.solves),
            # The help asked for since the last solve, shown again on any device.
            "hints": [hint_html(text) for text in problem.hints[: hints_seen(attempt, problem)]],
            "hints_total": len(problem.hints),
            "solution": solution_html(problem) if attempt and attempt.solution_seen else None,
            "due": attempt.due.isoformat() if attempt and attempt.due else None,
        }
    )


type ProblemAction = Callable[[AuthenticatedRequest, Problem], HttpResponse]


def for_readers_who_may_run(refusal: str) -> Callable[[ProblemAction], Callable[..., HttpResponse]]:
    """A POST a signed-in reader makes about a published problem they may run (billing's rule);
    anyone else is refused with `refusal` (403), a missing problem is a 404."""

    def decorate(action: ProblemAction) -> Callable[..., HttpResponse]:
        @wraps(action)
        @login_required
        @require_POST
        def view(request: AuthenticatedRequest, slug: str) -> HttpResponse:
            problem = _published(slug)
            if not can_read(request.user, problem):
                return refused(request, 403, refusal)
            return action(request, problem)

        return view

    return decorate


def _posted_code(request: HttpRequest) -> str | HttpResponse:
    """The code posted, or the answer that refuses it (too long)."""
    form = CodeForm(request.POST)
    if not form.is_valid():
        return refused(request, 400, form.errors.get_json_data()["code"][0]["message"])
    return form.cleaned_data["code"]


@for_readers_who_may_run("Subscribe to run this problem.")
def code(request: AuthenticatedRequest, problem: Problem) -> HttpResponse:
    """Keep the code the reader just ran."""
    posted = _posted_code(request)
    if isinstance(posted, HttpResponse):
        return posted
    code_save(user=request.user, problem=problem, code=posted)
    return HttpResponse(status=204)


@for_readers_who_may_run("Subscribe to run this problem.")
def solves(request: AuthenticatedRequest, problem: Problem) -> HttpResponse:
    """Every case passed in the reader's browser: the solve is kept with its code."""
    posted = _posted_code(request)
    if isinstance(posted, HttpResponse):
        return posted
    attempt, _ = solve_record(user=request.user, problem=problem, code=posted)
    assert attempt.due is not None
    message = f"Solved. It comes back to be re-solved on {attempt.due:%A %-d %B}."
    if wants_json(request):
        return JsonResponse(
            {"solved": True, "due": attempt.due.isoformat(), "message": message}, status=201
        )
    messages.success(request, message)
    return redirect(problem.get_absolute_url())


@for_readers_who_may_run("Subscribe to see this problem's hints.")
def hints(request: AuthenticatedRequest, problem: Problem) -> HttpResponse:
    """Show the reader one more hint (it weakens their next solve's grade)."""
    if not problem.hints:
        return refused(request, 404, "This problem has no hints.")
    number = hint_show(user=request.user, problem=problem)
    if wants_json(request):
        return JsonResponse(
            {
                "html": hint_html(problem.hints[number - 1]),
                "number": number,
                "total": len(problem.hints),
            }
        )
    return redirect(reverse("practice:help", args=[problem.slug]) + "#hints")


@for_readers_who_may_run("Subscribe to see this problem's solution.")
def solution(request: AuthenticatedRequest, problem: Problem) -> HttpResponse:
    """Show the reader the walk-through and the solution (their next solve is graded as read)."""
    solution_show(user=request.user, problem=problem)
    if wants_json(request):
        return JsonResponse({"html": solution_html(problem)})
    return redirect(reverse("practice:help", args=[problem.slug]) + "#solution")


@login_required
@require_GET
def help_page(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    """The hints and the solution the reader asked for, as a page of its own (what the forms
    lead to without JavaScript)."""
    problem = _published(slug)
    if not can_read(request.user, problem):
        raise Http404("No such problem.")
    attempt = attempt_of(request.user, problem)
    shown = hints_seen(attempt, problem)
    return render(
        request,
        "practice/help.html",
        {
            "problem": problem,
            "hints": [hint_html(text) for text in problem.hints[:shown]],
            "hints_left": len(problem.hints) - shown,
            "solution": solution_html(problem) if attempt and attempt.solution_seen else None,
        },
    )
