"""Signed-in readers' study pages: ticking checklists, progress, drills and the plan. Every
action is a plain form POST (with CSRF) that works without JavaScript; the guide page's script
sends the same POSTs and asks for JSON instead of a redirect."""

from __future__ import annotations

from collections.abc import Callable
from copy import copy

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import (
    HttpRequest,
    HttpResponse,
    JsonResponse,
)
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.requests import AuthenticatedRequest
from articles.models import Item
from billing.entitlements import can_read_premium
from mocks.feedback import weakest_axis
from pages.answers import refused, wants_json
from practice.diagnostic import latest_result, weak_set_work

from . import selectors
from .exceptions import NotAllowed
from .forms import ChecklistForm, FinishForm, GradeForm, PlanForm, PositionForm, StudyForm, TickForm
from .models import Plan
from .planner import ProblemState
from .services import checklists, plans, reading
from .services import drills as drill_services
from .services.checklists import TickResult
from .sm2 import QUALITY


def _tick_response(request: HttpRequest, result: TickResult) -> HttpResponse:
    if wants_json(request):
        return JsonResponse(
            {
                "section": result.section.pk,
                "section_ticked": result.section_ticked,
                "section_total": result.section_total,
                "guide_ticked": result.guide_ticked,
                "guide_total": result.guide_total,
            }
        )
    return redirect(f"{result.guide.get_absolute_url()}#{result.section.anchor}")


def _refused_form(request: HttpRequest, form: StudyForm) -> HttpResponse:
    return refused(request, form.refusal_status(), form.first_error())


def _ticked(request: HttpRequest, form: StudyForm, save: Callable[[], TickResult]) -> HttpResponse:
    if not form.is_valid():
        return _refused_form(request, form)
    try:
        result = save()
    except Item.DoesNotExist:
        return refused(request, 404, "No such checklist item.")
    except NotAllowed:
        return refused(request, 403, "Subscribe to work through this section.")
    return _tick_response(request, result)


@login_required
@require_POST
def tick(request: AuthenticatedRequest) -> HttpResponse:
    """One item, ticked or not (the guide page's script)."""
    form = TickForm(request.POST)
    return _ticked(
        request,
        form,
        lambda: checklists.tick_item(
            request.user, form.cleaned_data["item"], form.cleaned_data["checked"]
        ),
    )


@login_required
@require_POST
def tick_block(request: AuthenticatedRequest) -> HttpResponse:
    """A whole checklist saved at once (the form, without JavaScript)."""
    form = ChecklistForm(request.POST)
    return _ticked(
        request,
        form,
        lambda: checklists.tick_block(
            request.user, form.cleaned_data["block"], form.cleaned_data["item"]
        ),
    )


@login_required
@require_POST
def finish(request: AuthenticatedRequest) -> HttpResponse:
    form = FinishForm(request.POST)
    if not form.is_valid():
        return _refused_form(request, form)
    guide = form.cleaned_data["guide"]
    reading.set_finished(request.user, guide, form.cleaned_data["finished"])
    return redirect(guide.get_absolute_url())


@login_required
@require_POST
def position(request: AuthenticatedRequest) -> HttpResponse:
    """The section a reader reached (sent by the guide page's script as they leave it)."""
    form = PositionForm(request.POST)
    if not form.is_valid():
        return _refused_form(request, form)
    reading.record_position(request.user, form.cleaned_data["guide"], form.cleaned_data["section"])
    return HttpResponse(status=204)


@login_required
@require_GET
def progress(request: AuthenticatedRequest) -> HttpResponse:
    tracks = selectors.progress(request.user)
    return render(
        request,
        "study/progress.html",
        {
            "tracks": tracks,
            "last": selectors.continue_reading(request.user),
            "totals": selectors.TrackProgress(None, [g for t in tracks for g in t.guides]),
            "diagnostic": latest_result(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def drills(request: AuthenticatedRequest) -> HttpResponse:
    today = timezone.localdate()
    if request.method == "POST":
        form = GradeForm(request.POST)
        if not form.is_valid():
            messages.error(request, f"That answer could not be recorded: {form.first_error()}")
            return redirect("study:drills")
        data = form.cleaned_data
        try:
            drill_services.grade(request.user, data["item"], data["grade"], today, data["seen"])
        except NotAllowed:
            return refused(request, 404, "No such card.")
        return redirect("study:drills")
    due = selectors.due_cards(request.user, today)
    return render(
        request,
        "study/drills.html",
        {
            "card": due[0] if due else None,
            "seen": selectors.review_token(due[0].card) if due else "",
            "remaining": len(due),
            "grades": [(grade, grade.title()) for grade in QUALITY],
            "has_premium": can_read_premium(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def plan(request: AuthenticatedRequest) -> HttpResponse:
    existing = Plan.objects.filter(user=request.user).first()
    if request.method == "POST":
        # The form works on a copy: an invalid submission must not change the plan shown.
        form = PlanForm(request.POST, instance=copy(existing) if existing else None)
        if form.is_valid():
            plans.save_plan(request.user, **form.cleaned_data)
            messages.success(request, "Your plan is ready.")
            return redirect("study:plan")
    else:
        form = PlanForm(instance=existing)
    today = timezone.localdate()
    study_plan = None
    axis = None
    if existing:
        # The weak-set (practice's diagnostic) goes first: its guides, then its problems; the
        # guides about the weakest axis of the reader's recent mocks lead them all.
        work = weak_set_work(request.user)
        axis = weakest_axis(request.user)
        study_plan = plans.study_plan(
            request.user,
            existing,
            today,
            first_guides=work.guide_ids,
            problems=[ProblemState(p.title, p.get_absolute_url()) for p in work.problems],
            weak_axis=(axis.key, axis.name) if axis else None,
        )
    return render(
        request,
        "study/plan.html",
        {
            "form": form,
            "plan": existing,
            "study_plan": study_plan,
            "today": today,
            "weak_axis": axis,
        },
    )
