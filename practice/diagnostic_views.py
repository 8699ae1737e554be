"""The reader's practice pages: /practice/ (what is due, the weak-set, every problem by pattern)
and the diagnostic (/diagnostic/: what it is and past results; /diagnostic/<id>/: one statement at
a time, then the result). Per-reader pages, rendered for each request (nothing here is cached).
Every action is a plain form POST with CSRF; the diagnostic's clock script is an extra."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.requests import AuthenticatedRequest, signed_in_user
from articles.models import Pattern
from billing.entitlements import can_read_premium
from study.selectors import due_cards

from . import diagnostic as diag
from .models import Diagnostic
from .rendering import statement_html

NOT_SURE = "not-sure"


class AnswerForm(forms.Form):
    position = forms.IntegerField(min_value=1)
    pattern = forms.CharField(max_length=60)


@login_required
@require_GET
def practice(request: AuthenticatedRequest) -> HttpResponse:
    today = timezone.localdate()
    latest = diag.latest_result(request.user)
    weak = latest.weak if latest else []
    return render(
        request,
        "practice/practice.html",
        {
            "diagnostic": latest,
            "weak": weak,
            "today": today,
            "due": diag.due_attempts(request.user, today, weak),
            "cards_due": len(due_cards(request.user, today)),
            "groups": diag.problem_groups(request.user, weak),
        },
    )


@require_http_methods(["GET", "POST"])
def diagnostic(request: HttpRequest) -> HttpResponse:
    """What the diagnostic is, with a button to take it and the reader's past results. Visitors
    see what it is and are asked to sign in."""
    reader = signed_in_user(request)
    if reader is None:
        if request.method == "POST":
            return redirect_to_login(request.get_full_path())
        return render(request, "practice/diagnostic.html")
    if request.method == "POST":
        try:
            started = diag.diagnostic_start(reader)
        except diag.DiagnosticRefused as refused:
            messages.error(request, str(refused))
            return redirect("training:diagnostic")
        return redirect("training:diagnostic_take", pk=started.pk)
    return render(
        request,
        "practice/diagnostic.html",
        {
            "current": diag.open_diagnostic(reader),
            "history": diag.diagnostic_history(reader),
        },
    )


@login_required
@require_GET
def diagnostic_take(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The next statement, its clock started the first time it is shown; the result once every
    statement is answered. Only its reader's: anyone else gets a 404."""
    taken = get_object_or_404(Diagnostic, pk=pk, user=request.user)
    question = diag.next_question(taken) if taken.finished_at is None else None
    if question is None and taken.finished_at is None:
        taken = diag.diagnostic_settle(taken)
    if question is None:
        answers = diag.diagnostic_answers(taken)
        weak = diag.patterns_named(taken.weak_patterns)
        groups = {
            group.pattern.pk: group.problems
            for group in diag.problem_groups(request.user, weak)
            if group.weak and group.pattern
        }
        return render(
            request,
            "practice/diagnostic_result.html",
            {
                "taken": taken,
                "answers": answers,
                "right": sum(a.correct for a in answers),
                "weak": [{"pattern": p, "problems": groups.get(p.pk, [])} for p in weak],
                "target": diag.TARGET_SECONDS,
            },
        )
    question = diag.diagnostic_show(question)
    assert question.shown_at is not None
    problem = question.problem
    full = not problem.is_premium or can_read_premium(request.user)
    elapsed = max(int((timezone.now() - question.shown_at).total_seconds()), 0)
    return render(
        request,
        "practice/diagnostic_question.html",
        {
            "taken": taken,
            "question": question,
            "total": taken.answers.count(),
            "statement": statement_html(problem, full=full),
            "full": full,
            "patterns": list(Pattern.objects.all()),
            "not_sure": NOT_SURE,
            "elapsed": elapsed,
            "target": diag.TARGET_SECONDS,
        },
    )


@login_required
@require_POST
def diagnostic_answer(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    taken = get_object_or_404(Diagnostic, pk=pk, user=request.user)
    form = AnswerForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Pick one of the patterns, or “Not sure”, then submit.")
        return redirect("training:diagnostic_take", pk=taken.pk)
    chosen = form.cleaned_data["pattern"]
    try:
        diag.diagnostic_answer(
            taken, form.cleaned_data["position"], None if chosen == NOT_SURE else chosen
        )
    except diag.DiagnosticRefused as refused:
        messages.error(request, str(refused))
    return redirect("training:diagnostic_take", pk=taken.pk)
