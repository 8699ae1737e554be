"""`/mocks/`: what a peer mock interview is, and for members with premium access the request
form (kind, tier, level, focus, time zone and up to ten windows), the pause rule, and their
booked mocks with a cancel (and what it costs now) and, once begun, a no-show report."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST
from django_ratelimit.decorators import ratelimit

from accounts.requests import signed_in_user, throttled
from billing.entitlements import can_read_premium
from practice.diagnostic import weak_patterns

from .bookings import (
    BookingNotFound,
    BookingRefused,
    booking_cancel,
    booking_no_show,
    member_bookings,
    member_zone,
)
from .emails import moment_in_words
from .forms import RequestForm, WindowFormSet
from .services import (
    RequestRefused,
    expired_requests,
    open_requests,
    request_create,
    request_withdraw,
    window_errors,
)
from .strikes import next_strike_pauses_before, paused_until

REQUESTS_PER_HOUR = 10


@require_http_methods(["GET", "POST"])
@ratelimit(key="user_or_ip", rate=f"{REQUESTS_PER_HOUR}/h", method="POST", block=False)
def mocks(request: HttpRequest) -> HttpResponse:
    member = signed_in_user(request)
    now = timezone.now()
    bookings = member_bookings(member, now) if member is not None else []
    if member is None or not can_read_premium(member):
        return render(request, "mocks/about.html", {"member": member, "bookings": bookings})
    weak = weak_patterns(member)
    initial = {"focus": weak[0].slug if weak else "", "time_zone": "UTC"}
    form = RequestForm(request.POST or None, initial=initial)
    windows = WindowFormSet(request.POST or None, prefix="window")
    status = 200
    if request.method == "POST":
        status = 400
        if throttled(request):
            messages.error(request, "Too many requests in an hour: try again later.")
            status = 429
        elif form.is_valid() & windows.is_valid():
            checked = []
            for window in windows:
                if not window.has_changed():
                    continue
                data = window.cleaned_data
                found, error = window_errors(
                    data["start"], data["end"], form.cleaned_data["time_zone"], now
                )
                if error:
                    window.add_error(None, error)
                elif found:
                    checked.append(found)
            if checked and not any(w.errors for w in windows):
                try:
                    request_create(user=member, windows=checked, **form.cleaned_data)
                except RequestRefused as exc:
                    form.add_error("kind", str(exc))
                else:
                    messages.success(
                        request, "Requested. We will email you both when you are matched."
                    )
                    return redirect("mocks:mocks")
    zone = member_zone(member)
    paused = paused_until(member, now)
    warn_before = next_strike_pauses_before(member, now)
    return render(
        request,
        "mocks/request.html",
        {
            "form": form,
            "windows": windows,
            "open": open_requests(member),
            "expired": expired_requests(member, now),
            "weak": weak,
            "bookings": bookings,
            "paused_until": moment_in_words(paused, zone) if paused else None,
            "strike_pauses_before": moment_in_words(warn_before, zone) if warn_before else None,
        },
        status=status,
    )


@login_required
@require_POST
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    """Withdraw one of the member's open requests."""
    member = signed_in_user(request)
    assert member is not None
    try:
        request_withdraw(user=member, pk=pk)
    except RequestRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Withdrawn. You can request this kind of mock again.")
    return redirect("mocks:mocks")


@login_required
@require_POST
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """Cancel one of the member's booked mocks (404 for a booking they are not in)."""
    member = signed_in_user(request)
    assert member is not None
    try:
        done = booking_cancel(user=member, pk=pk, now=timezone.now())
    except BookingNotFound:
        raise Http404("No such mock.") from None
    except BookingRefused as exc:
        messages.error(request, str(exc))
        return redirect("mocks:mocks")
    if done.late:
        said = "Cancelled. It was less than 12 hours ahead, so it counts against you."
        if done.paused_until is not None:
            zone = member_zone(member)
            said += f" Your requests are paused until {moment_in_words(done.paused_until, zone)}."
    elif done.reopened:
        said = "Cancelled, free: your partner's request is back at the front of the queue."
    else:
        said = (
            "Cancelled, free. Your partner has another open request of this kind, so theirs "
            "was left in the queue as it is."
        )
    messages.success(request, f"{said} We have emailed you both.")
    return redirect("mocks:mocks")


@login_required
@require_POST
def no_show(request: HttpRequest, pk: int) -> HttpResponse:
    """Report that the partner of one of the member's mocks did not come."""
    member = signed_in_user(request)
    assert member is not None
    try:
        partner = booking_no_show(user=member, pk=pk, now=timezone.now())
    except BookingNotFound:
        raise Http404("No such mock.") from None
    except BookingRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Reported: it counts against {partner}. Sorry about the wait.")
    return redirect("mocks:mocks")
