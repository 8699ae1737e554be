"""The pages after a mock: `/mocks/<id>/feedback/` (each member scores the other in the round
they interviewed, and reads what they received as candidate once they may), `/mocks/history/`
(every round and the scores over time), and the two safety forms offered on both: report a
peer, and never be matched with them again."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST
from django_ratelimit.decorators import ratelimit

from accounts.requests import AuthenticatedRequest, throttled
from billing.entitlements import can_read_premium

from .feedback import (
    TEXT_LIMIT,
    FeedbackRefused,
    candidate_refusal,
    feedback_send,
    member_booking,
    member_rounds,
)
from .history import member_history, scores_over_time
from .models import Booking
from .people import peer_name
from .rounds import zone_of
from .rubric import SCORES, Axis
from .safety import REASON_LIMIT, SafetyRefused, block_peer, blocked_ids, report_create

SAFETY_POSTS_PER_HOUR = 20  # reports and blocks together, per member (one count for both)


class FeedbackForm(forms.Form):
    """One round's feedback: a score per axis (each score's sentence is its radio button's
    label), what went well and what to work on."""

    went_well = forms.CharField(
        label="What went well",
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=TEXT_LIMIT,
    )
    work_on = forms.CharField(
        label="What to work on",
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=TEXT_LIMIT,
    )

    def __init__(self, *args: Any, axes: tuple[Axis, ...], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.axes = axes
        scores = {
            f"score_{axis.key}": forms.TypedChoiceField(
                label=axis.name,
                choices=[(score, f"{score}: {axis.meaning(score)}") for score in SCORES],
                coerce=int,
                widget=forms.RadioSelect,
                error_messages={"required": f"Choose a score for {axis.name.lower()}."},
            )
            for axis in axes
        }
        # The axes first, in the rubric's order, then the two answers.
        self.fields = {**scores, **self.fields}

    @property
    def score_fields(self) -> list[forms.BoundField]:
        return [self[f"score_{axis.key}"] for axis in self.axes]

    @property
    def text_fields(self) -> list[forms.BoundField]:
        return [self["went_well"], self["work_on"]]

    def scores(self) -> dict[str, object]:
        return {axis.key: self.cleaned_data[f"score_{axis.key}"] for axis in self.axes}


class ReportForm(forms.Form):
    reason = forms.CharField(
        label="What happened",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=REASON_LIMIT,
        error_messages={"required": "Say what happened: staff read every report."},
    )


def is_member(member: Any) -> bool:
    """Who has mock pages: members with premium access, or anyone who has had a booking."""
    return can_read_premium(member) or Booking.objects.filter(members=member).exists()


@login_required
@require_http_methods(["GET", "POST"])
def feedback(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    member = request.user
    booking = member_booking(member, pk)
    if booking is None:
        raise Http404("No such mock of yours.")
    now = timezone.now()
    rounds = member_rounds(booking, member, now)
    canceled = booking.status == Booking.Status.CANCELED
    forms_by_round = {
        item.round.number: FeedbackForm(axes=item.axes, prefix=f"round-{item.round.number}")
        for item in rounds
        if item.is_interviewer and item.is_open and item.sent is None and not canceled
    }
    status = 200
    if request.method == "POST":
        number = request.POST.get("round", "")
        target = next((item for item in rounds if str(item.round.number) == number), None)
        if target is None:
            messages.error(request, "Choose the round your feedback is for.")
            status = 400
        elif canceled:
            messages.error(request, "This mock was cancelled: there is no feedback to give.")
            status = 400
        elif not target.is_interviewer:
            # The candidate is scored, and scores in the other round: say so, keep nothing.
            messages.error(request, candidate_refusal(target.round.number))
            status = 400
        elif target.sent is not None:
            messages.info(request, "You have already sent your feedback for this round.")
            return redirect("mocks:feedback", pk=booking.pk)
        elif target.round.number not in forms_by_round:
            # Before the round's feedback phase: say so, keep nothing.
            messages.error(request, "Feedback opens 40 minutes into the round.")
            status = 400
        else:
            form = FeedbackForm(request.POST, axes=target.axes, prefix=f"round-{number}")
            if form.is_valid():
                try:
                    feedback_send(
                        author=member,
                        round_id=target.round.pk,
                        scores=form.scores(),
                        went_well=form.cleaned_data["went_well"],
                        work_on=form.cleaned_data["work_on"],
                    )
                except FeedbackRefused as exc:
                    messages.error(request, str(exc))
                    return redirect("mocks:feedback", pk=booking.pk)
                theirs = next((i for i in rounds if i.round.number == target.scoring_round), None)
                if theirs is not None and theirs.feedback is not None:
                    after = f"{target.partner_name} has sent theirs, so they can read it now."
                else:
                    after = (
                        f"{target.partner_name} sees it once they have sent theirs for round "
                        f"{target.scoring_round}, or 72 hours after this round."
                    )
                messages.success(request, f"Sent, thank you. {after}")
                return redirect("mocks:feedback", pk=booking.pk)
            forms_by_round[target.round.number] = form
            status = 400
    partner = rounds[0].partner if rounds else None
    return render(
        request,
        "mocks/feedback.html",
        {
            "booking": booking,
            "canceled": canceled,
            "rounds": [(item, forms_by_round.get(item.round.number)) for item in rounds],
            "zone": zone_of(booking, member.pk),
            "partner_name": peer_name(partner) if partner else "",
            "partner_blocked": partner is not None and partner.pk in blocked_ids(member),
            "report_form": ReportForm(),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET"])
def history(request: AuthenticatedRequest) -> HttpResponse:
    member = request.user
    if not is_member(member):
        return redirect("mocks:mocks")
    rounds = member_history(member)
    return render(
        request,
        "mocks/history.html",
        {
            "rounds": rounds,
            "kinds": scores_over_time(rounds),
            "report_form": ReportForm(),
        },
    )


def _back(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Back to the page the form was on (this site's only), else the mock's feedback page."""
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(reverse("mocks:feedback", kwargs={"pk": pk}))


@login_required
@require_POST
@ratelimit(
    group="mocks-safety", key="user", rate=f"{SAFETY_POSTS_PER_HOUR}/h", method="POST", block=False
)
def report(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Report the other member of the mock to staff (which also blocks them)."""
    if throttled(request):
        messages.error(request, "Too many reports in an hour: try again later.")
        return _back(request, pk)
    form = ReportForm(request.POST)
    if not form.is_valid():
        messages.error(request, str(form.errors["reason"][0]))
        return _back(request, pk)
    try:
        made = report_create(
            reporter=request.user, booking_id=pk, reason=form.cleaned_data["reason"]
        )
    except SafetyRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            f"Reported. Staff will read it, and you will not be matched with "
            f"{peer_name(made.reported)} again.",
        )
    return _back(request, pk)


@login_required
@require_POST
@ratelimit(
    group="mocks-safety", key="user", rate=f"{SAFETY_POSTS_PER_HOUR}/h", method="POST", block=False
)
def block(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Never be matched with the other member of the mock again."""
    if throttled(request):
        messages.error(request, "Too many requests in an hour: try again later.")
        return _back(request, pk)
    try:
        _, other = block_peer(member=request.user, booking_id=pk)
    except SafetyRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Done: you will not be matched with {peer_name(other)} again.")
    return _back(request, pk)
