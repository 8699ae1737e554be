"""The teams pages: /teams/ (buy seats; a manager's seats, invites and members; a member's own
team and their sharing choice), the invite's accept page, and the forms they post to. Every
form is a plain POST with CSRF; a manager's forms find rows only within their own team."""

from __future__ import annotations

import logging
from typing import cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_ratelimit.core import is_ratelimited
from django_ratelimit.decorators import ratelimit

from accounts.requests import (
    AuthenticatedRequest,
    form_token,
    sign_in_links,
    signed_in_user,
    throttled,
)
from billing import entitlements
from billing import stripe_gateway as gateway
from billing.plans import ANNUAL, MONTHLY, PLANS
from billing.subscriptions import checkout_session_sync

from . import services
from .forms import BuyForm, InviteForm, SharingForm
from .models import Invite, Member, Team
from .progress import shared_progress

logger = logging.getLogger(__name__)
TOO_MANY = "Too many requests in the last minute. Nothing was changed; please wait a minute."
# Each buy asks Stripe for a Checkout Session; each invite sends emails: cheap to abuse.
CHECKOUT_LIMIT = "5/m"
INVITE_LIMIT = "10/m"
SYNC_LIMIT = "5/m"
JOIN_LIMIT = "10/m"


def _managed(request: AuthenticatedRequest) -> Team:
    """The team the signed-in member manages, or 404."""
    team = (
        Team.objects.select_related("subscription", "manager").filter(manager=request.user).first()
    )
    if team is None:
        raise Http404("You manage no team.")
    return team


def _live_team(request: AuthenticatedRequest) -> Team:
    team = _managed(request)
    if not services.subscription_live(team):
        raise Http404("Your team has no seats.")
    return team


@require_GET
def teams(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        if request.GET:
            # Back from Checkout signed out: sign in, then the same address syncs the seats.
            return redirect_to_login(request.get_full_path())
        # A visitor (a buyer deciding, a member invited) learns what teams are, then signs in.
        return _visitor_page(request)
    return _member_teams(cast(AuthenticatedRequest, request))


def _visitor_page(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "teams/visitor.html",
        {
            **sign_in_links(reverse("teams:teams")),
            "annual": ANNUAL if ANNUAL.price_id else None,
        },
    )


def _member_teams(request: AuthenticatedRequest) -> HttpResponse:
    session_id = request.GET.get("session_id", "")
    if session_id:
        # Back from Checkout: the seats are stored now, not when the webhook comes. Each visit
        # asks Stripe, so only a few a minute do (the webhook brings the same state).
        limited = is_ratelimited(
            request, group="teams.sync", key="user", rate=SYNC_LIMIT, increment=True
        )
        if limited or not gateway.CHECKOUT_SESSION_ID_RE.fullmatch(session_id):
            return redirect("teams:teams")
        try:
            checkout_session_sync(session_id=session_id, user=request.user)
        except PermissionError:
            messages.error(request, "That checkout belongs to another account.")
        except (gateway.StripeUnavailable, gateway.StripeRequestError):
            logger.warning("teams page could not sync session %s", session_id, exc_info=True)
            messages.info(request, "Stripe is confirming your payment: refresh in a moment.")
        else:
            messages.success(request, "Your team’s seats are ready: invite its members.")
        return redirect("teams:teams")
    if request.GET.get("checkout") == "canceled":
        messages.info(request, "Checkout was canceled. Nothing was charged.")
    return _page(request)


def _page(
    request: AuthenticatedRequest,
    *,
    buy_form: BuyForm | None = None,
    invite_form: InviteForm | None = None,
    status: int = 200,
) -> HttpResponse:
    """/teams/ for this member: their team, and the one they manage or the form to buy one
    (with a rejected form's input and errors kept, when given)."""
    team = (
        Team.objects.select_related("subscription", "manager").filter(manager=request.user).first()
    )
    live = team is not None and services.subscription_live(team)
    context: dict[str, object] = {
        "team": team,
        "live": live,
        "membership": Member.objects.select_related("team", "team__manager")
        .filter(user=request.user)
        .first(),
        "has_access": entitlements.can_read_premium(request.user),
        # Seats paid twice: the second subscription bills and gives none, until canceled.
        "strays": services.stray_subscriptions(team) if team is not None else [],
        "billing_customer": services.billing_customer_id(team) if team is not None else "",
    }
    if live and team is not None:
        context.update(
            seats=services.seats_of(team),
            members=list(team.members.select_related("user")),
            invites=list(team.invites.filter(state=Invite.State.PENDING)),
            shared=shared_progress(team),
            invite_form=invite_form or InviteForm(),
        )
    else:
        context.update(_buy_context(team, buy_form))
    return render(request, "teams/teams.html", context, status=status)


def _buy_context(team: Team | None, form: BuyForm | None = None) -> dict[str, object]:
    initial = {"token": form_token(), "name": team.name if team else ""}
    return {
        "buy_form": form or BuyForm(initial=initial),
        "monthly": MONTHLY,
        "annual": ANNUAL if ANNUAL.price_id else None,
        "ended": team is not None and team.subscription is not None,
        "billing_configured": gateway.is_configured(),
    }


@login_required
@require_POST
@ratelimit(key="user", rate=CHECKOUT_LIMIT, block=False)
def buy(request: AuthenticatedRequest) -> HttpResponse:
    if throttled(request):
        messages.error(request, TOO_MANY)
        return redirect("teams:teams")
    if not gateway.is_configured():
        messages.error(request, "Subscriptions are not configured on this site yet.")
        return redirect("teams:teams")
    form = BuyForm(request.POST)
    plan = PLANS.get(request.POST.get("plan", ""))
    if form.is_valid() and plan is not None and not plan.price_id:
        form.add_error("plan", f"The {plan.slug} plan is not offered on this site yet.")
    if not form.is_valid() or plan is None:
        return _page(request, buy_form=form, status=400)
    data = form.cleaned_data
    teams_url = f"{settings.SITE_URL}{reverse('teams:teams')}"
    try:
        url = services.team_checkout(
            manager=request.user,
            name=data["name"],
            seats=data["seats"],
            plan=plan,
            token=form_token(data["token"]),
            success_url=teams_url + "?session_id={CHECKOUT_SESSION_ID}",
            cancel_url=teams_url + "?checkout=canceled",
        )
    except services.SeatsBought as bought:
        messages.success(request, str(bought))
        return redirect("teams:teams")
    except services.TeamRefused as refused:
        messages.error(request, str(refused))
        return redirect("teams:teams")
    except (gateway.StripeUnavailable, gateway.StripeRequestError):
        logger.exception("team checkout for user %s failed", request.user.pk)
        messages.error(request, gateway.UNAVAILABLE_MESSAGE)
        return redirect("teams:teams")
    return HttpResponseRedirect(url, status=303)


@login_required
@require_POST
@ratelimit(key="user", rate=INVITE_LIMIT, block=False)
def invite(request: AuthenticatedRequest) -> HttpResponse:
    team = _live_team(request)
    if throttled(request):
        messages.error(request, TOO_MANY)
        return redirect("teams:teams")
    form = InviteForm(request.POST)
    if not form.is_valid():
        return _page(request, invite_form=form, status=400)
    try:
        invited, again = services.invites_send(team=team, emails=form.cleaned_data["emails"])
    except services.TeamRefused as refused:
        form.add_error("emails", str(refused))
        return _page(request, invite_form=form, status=400)
    parts = []
    if invited:
        parts.append(f"{invited} invite{'s' if invited != 1 else ''} sent")
    if again:
        parts.append(f"{again} pending invite{'s' if again != 1 else ''} sent again")
    messages.success(request, "; ".join(parts).capitalize() + ".")
    return redirect("teams:teams")


@login_required
@require_POST
@ratelimit(key="user", rate=INVITE_LIMIT, block=False)
def invite_resend(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    team = _live_team(request)
    found = get_object_or_404(Invite, pk=pk, team=team)
    if throttled(request):
        messages.error(request, TOO_MANY)
        return redirect("teams:teams")
    try:
        services.invite_resend(invite=found)
    except services.TeamRefused as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, f"The invite to {found.email} was sent again.")
    return redirect("teams:teams")


@login_required
@require_POST
def invite_revoke(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    team = _managed(request)
    found = get_object_or_404(Invite, pk=pk, team=team)
    try:
        services.invite_revoke(invite=found)
    except services.TeamRefused as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, f"The invite to {found.email} was revoked; its seat is free.")
    return redirect("teams:teams")


@login_required
@require_POST
def member_remove(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    team = _managed(request)
    member = get_object_or_404(Member.objects.select_related("user"), pk=pk, team=team)
    services.member_remove(member=member)
    messages.success(request, f"{member.user.email} was removed from {team.name}.")
    return redirect("teams:teams")


@login_required
@require_POST
def seat_take(request: AuthenticatedRequest) -> HttpResponse:
    team = _live_team(request)
    try:
        services.seat_take(team=team)
    except services.TeamRefused as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, "You took a seat: every guide is open to you.")
    return redirect("teams:teams")


@login_required
@require_POST
def leave(request: AuthenticatedRequest) -> HttpResponse:
    member = Member.objects.select_related("team").filter(user=request.user).first()
    if member is None:
        messages.info(request, "You are in no team.")
        return redirect("teams:teams")
    services.member_remove(member=member)
    messages.success(request, f"You left {member.team.name}.")
    return redirect("teams:teams")


@login_required
@require_POST
def sharing(request: AuthenticatedRequest) -> HttpResponse:
    member = Member.objects.select_related("team").filter(user=request.user).first()
    if member is None:
        messages.info(request, "You are in no team: there is no one to share your progress with.")
        return redirect("teams:teams")
    form = SharingForm(request.POST)
    shares = form.is_valid() and form.cleaned_data["shares"]
    services.sharing_set(member=member, shares=shares)
    if shares:
        messages.success(request, f"Your progress is shared with {member.team.name}’s manager.")
    else:
        messages.success(request, "Your progress is no longer shared.")
    next_url = request.POST.get("next")
    return redirect("accounts:account" if next_url == "account" else "teams:teams")


@login_required
@require_http_methods(["GET", "POST"])  # GET: the "update your card" link in the team's emails
def portal(request: AuthenticatedRequest) -> HttpResponse:
    """Manage billing for the team's seats: Stripe's Customer Portal for the team's own customer
    (not the manager's, whose own plan stays in /billing/portal/), back to /teams/."""
    customer_id = services.billing_customer_id(_managed(request))
    if not customer_id or not settings.STRIPE_SECRET_KEY:
        messages.info(request, "There is no billing to manage yet.")
        return redirect("teams:teams")
    try:
        session = gateway.portal_session_create(
            customer_id=customer_id,
            return_url=f"{settings.SITE_URL}{reverse('teams:teams')}",
            # The team's configuration lets the manager change the seat count (stripe_setup).
            configuration=settings.STRIPE_TEAM_PORTAL_CONFIGURATION,
        )
    except (gateway.StripeUnavailable, gateway.StripeRequestError):
        logger.exception("team portal session for user %s failed", request.user.pk)
        messages.error(request, gateway.UNAVAILABLE_MESSAGE.replace(" Nothing was charged;", ""))
        return redirect("teams:teams")
    return HttpResponseRedirect(session["url"], status=303)


@require_http_methods(["GET", "POST"])
@ratelimit(key="ip", rate=JOIN_LIMIT, method="POST", block=False)
def join(request: HttpRequest, token: str) -> HttpResponse:
    """The invite's link: anyone may see which team it is for; a signed-in member accepts it
    with a POST. Signing in or up from here comes back here (`next`)."""
    found = services.invite_from_token(token)
    if found is None:
        return render(request, "teams/join.html", {"invite": None}, status=404)
    user = signed_in_user(request)
    if request.method == "POST":
        if user is None:
            return redirect(sign_in_links(request.path)["login_url"])
        if throttled(request):
            messages.error(request, TOO_MANY)
            return redirect(request.path)
        try:
            services.invite_accept(invite=found, user=user)
        except services.TeamRefused as refused:
            messages.error(request, str(refused))
            return redirect(request.path)
        entitlements.forget(user)
        if entitlements.can_read_premium(user):
            messages.success(request, f"Welcome to {found.team.name}: every guide is open to you.")
        else:
            messages.success(request, f"You joined {found.team.name}.")
        return redirect("teams:teams")
    return render(
        request,
        "teams/join.html",
        {"invite": found, "team": found.team, "pending": found.state == Invite.State.PENDING},
    )
