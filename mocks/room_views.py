"""`/mocks/<id>/`: the room of a booking, for its two members and staff. Everything it shows is
decided here on the server's clock (mocks.room): the phase, and whether the candidate may see
the problem yet; without JavaScript the page is complete, with it the clock moves on and the pad
is edited live over a websocket (mocks.consumers)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.csp import CSP
from django.views.decorators.cache import never_cache
from django.views.decorators.csp import csp_override
from django.views.decorators.http import require_GET

from accounts.requests import AuthenticatedRequest
from billing.entitlements import can_read_premium

from .bookings import visit_record
from .feedback_views import ReportForm
from .models import Booking, Round
from .pad import pad_open
from .people import peer_name
from .room import (
    STATED_AT,
    TIMELINE,
    Segment,
    booking_now,
    round_material,
    schedule,
    statement_shown,
)
from .rounds import round_ends, round_starts, zone_of
from .rubric import axes_for
from .safety import blocked_ids

# The pad's editor (CodeMirror) puts its styles in a <style> element that carries the page's
# nonce; its websocket is to our own origin (connect-src 'self' covers ws: and wss:).
SITE_CSP: dict[str, list[str]] = settings.SECURE_CSP  # type: ignore[assignment]
ROOM_CSP: dict[str, list[str]] = {**SITE_CSP, "style-src": [*SITE_CSP["style-src"], CSP.NONCE]}


def call_url(booking: Booking) -> str:
    return settings.MOCKS_CALL_URL.replace("{room}", booking.room_key)


def _round_context(
    round_: Round,
    *,
    viewer_id: int,
    member: bool,
    premium: bool,
    now: dt.datetime,
    current: Segment | None,
) -> dict[str, Any]:
    booking = round_.booking
    starts, ends = round_starts(booking, round_.number), round_ends(booking, round_.number)
    role = (
        "candidate"
        if viewer_id == round_.candidate_id
        else "interviewer"
        if viewer_id == round_.interviewer_id
        else "staff"
    )
    shown = statement_shown(round_, viewer_id, now)
    timeline = [
        {
            "phase": phase,
            "offset": f"{phase.minute:02d}:00",
            "at": starts + dt.timedelta(minutes=phase.minute),
            "current": current is not None
            and current.round == round_.number
            and current.phase == index,
        }
        for index, phase in enumerate(TIMELINE)
    ]
    live = member and pad_open(booking, now) and now < ends
    # Both members could read premium when they requested, so the round runs whole; once it is
    # over, a member who no longer may sees of a premium problem what any visitor sees.
    preview = (
        not premium and now >= ends and round_.problem is not None and round_.problem.is_premium
    )
    return {
        "round": round_,
        "role": role,
        "interviewer": peer_name(round_.interviewer),
        "candidate": peer_name(round_.candidate),
        "starts": starts,
        "ends": ends,
        "stated_at": starts + STATED_AT,
        "timeline": timeline,
        "material": round_material(round_, interviewer=role != "candidate", preview=preview)
        if shown
        else None,
        "shown": shown,
        "rubric": axes_for(booking.kind) if role != "candidate" else (),
        "over": now >= ends,
        "pad": {
            "live": live,
            "socket": f"/ws/mocks/{booking.pk}/{round_.number}/",
            "text": round_.pad_text,
            "saved_at": round_.pad_saved_at,
        },
    }


@login_required
@require_GET
@never_cache
@csp_override(ROOM_CSP)
def room(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The booking's two rounds, their timelines, the phase now, the call link, each round's
    problem for whoever may see it, and the shared pad."""
    booking = get_object_or_404(
        Booking.objects.select_related("first__user", "second__user", "canceled_by"), pk=pk
    )
    viewer = request.user
    member = viewer.pk in {booking.first.user_id, booking.second.user_id}
    if not member and not viewer.is_staff:
        raise Http404  # a stranger learns nothing, not even that the booking exists
    now = timezone.now()
    zone = zone_of(booking, viewer.pk)
    state = booking_now(booking, now)
    users = [booking.first.user, booking.second.user]
    peer = next((user for user in users if user.pk != viewer.pk), None) if member else None
    context: dict[str, Any] = {
        "booking": booking,
        "member": member,
        "peer": peer_name(peer) if peer else None,
        "names": [peer_name(user) for user in users],
        "zone": zone.key,
        "now": state,
        "back": reverse("mocks:mocks"),
        "here": request.path,
    }
    if peer is not None:
        # Report the peer, or never be matched with them again (mocks/_peer_actions.html).
        context["peer_blocked"] = peer.pk in blocked_ids(viewer)
        context["report_form"] = ReportForm()
    if booking.status == Booking.Status.CANCELED:
        context["canceled_by"] = (
            "you"
            if booking.canceled_by_id == viewer.pk
            else peer_name(booking.canceled_by)
            if booking.canceled_by
            else None
        )
        return render(request, "mocks/room.html", context)
    premium = can_read_premium(viewer)
    if member:
        visit_record(booking, viewer.pk, now)  # they came: no one can call them a no-show
    rounds = booking.rounds.select_related(
        "booking", "interviewer", "candidate", "problem", "prompt"
    ).order_by("number")
    context["rounds"] = [
        _round_context(
            r,
            viewer_id=viewer.pk,
            member=member,
            premium=premium,
            now=now,
            current=state.segment,
        )
        for r in rounds
    ]
    context["call_url"] = call_url(booking)
    context["clock"] = {
        "now": now.isoformat(),
        "starts": booking.starts_at.isoformat(),
        "segments": [
            {
                "starts": s.starts.isoformat(),
                "ends": s.ends.isoformat(),
                "label": s.label,
                "until": f"{s.ends.astimezone(zone):%H:%M}",
                "round": s.round,
                "phase": s.phase,
            }
            for s in schedule(booking)
        ],
    }
    return render(request, "mocks/room.html", context)
