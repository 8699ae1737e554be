"""Billing pages: pricing, Checkout, its success page, and the Customer Portal."""

from __future__ import annotations

import logging
import re

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_ratelimit.decorators import ratelimit

from accounts.requests import AuthenticatedRequest, form_token, throttled

from . import entitlements
from . import stripe_gateway as gateway
from .models import Customer
from .plans import ANNUAL, MONTHLY, MONTHS_FREE, PLANS, TRIAL_DAYS
from .signals import checkout_started, send_logged
from .subscriptions import (
    checkout_session_sync,
    customer_for_checkout,
    paid_subscription_exists,
    trial_allowed,
)

logger = logging.getLogger(__name__)
GUIDE_ID_RE = re.compile(r"^[1-9][0-9]{0,17}$")
PAUSED_CHECKOUT = "Your subscription is paused: update your card in Manage billing to restore it."
# The success page asks Stripe for the Checkout Session on every visit: a reader refreshing it,
# or a script, may do so this often a minute; past that the page shows what we already know
# (the webhook brings the same state).
SUCCESS_PAGE_LIMIT = 5
# Each checkout asks Stripe for a Checkout Session and counts as a checkout started on the
# dashboard: a member may start this many a minute (a double click, a trip back from Stripe);
# past that nothing is asked of Stripe and nothing is counted.
CHECKOUT_LIMIT = 5
TOO_MANY_CHECKOUTS = (
    "You have started several checkouts in the last minute. Nothing was charged; please wait a "
    "minute and try again."
)


def _absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


@require_GET
def pricing(request: HttpRequest) -> HttpResponse:
    if request.GET.get("checkout") == "canceled":
        messages.info(request, "Checkout was canceled. Nothing was charged.")
    return render(
        request,
        "billing/pricing.html",
        {
            "has_access": entitlements.can_read_premium(request.user),
            "seated": entitlements.reads_from_team_seat(request.user),
            "subscribed": request.user.is_authenticated
            and paid_subscription_exists(user=request.user),
            "billing_configured": gateway.is_configured(),
            "checkout_token": form_token(),
            "monthly": MONTHLY,
            # Offered once its price is configured (STRIPE_ANNUAL_PRICE_ID).
            "annual": ANNUAL if ANNUAL.price_id else None,
            "months_free": MONTHS_FREE,
            "trial_days": TRIAL_DAYS,
            # Signed-in members who have subscribed before are told they start paying at once.
            "trial": not request.user.is_authenticated or trial_allowed(user=request.user),
        },
    )


@login_required
@require_POST
@ratelimit(key="user", rate=f"{CHECKOUT_LIMIT}/m", block=False)
def checkout(request: AuthenticatedRequest) -> HttpResponse:
    if throttled(request):
        logger.info("checkout for user %s throttled: not asking Stripe", request.user.pk)
        messages.error(request, TOO_MANY_CHECKOUTS)
        return redirect("billing:pricing")
    if not gateway.is_configured():
        messages.error(request, "Subscriptions are not configured on this site yet.")
        return redirect("billing:pricing")
    # No plan named: monthly, as every form before the annual plan posted (and the paywall's).
    plan = PLANS.get(request.POST.get("plan", MONTHLY.slug))
    if plan is None:
        return HttpResponseBadRequest(
            "Unknown plan: choose monthly or annual.", content_type="text/plain; charset=utf-8"
        )
    if not plan.price_id:
        messages.error(request, f"The {plan.slug} plan is not offered on this site yet.")
        return redirect("billing:pricing")
    if paid_subscription_exists(user=request.user):
        if entitlements.can_read_premium(request.user):
            messages.info(request, "You are already subscribed.")
        else:
            # Past its grace period: a second subscription would charge twice; paying the open
            # invoice in the Portal restores the one they have.
            messages.info(request, PAUSED_CHECKOUT)
        return redirect("accounts:account")
    # One token per rendered form: a double-submitted form reuses one Checkout Session.
    token = form_token(request.POST.get("token", ""))
    try:
        customer_id = customer_for_checkout(user=request.user)
        trial = trial_allowed(user=request.user, stripe_customer_id=customer_id)
        session = gateway.checkout_session_create(
            user_id=request.user.pk,
            customer_id=customer_id,
            price_id=plan.price_id,
            trial_days=TRIAL_DAYS if trial else None,
            success_url=_absolute(reverse("billing:success")) + "?session_id={CHECKOUT_SESSION_ID}",
            cancel_url=_absolute(reverse("billing:pricing")) + "?checkout=canceled",
            # One key per form and plan: the pricing page's two forms share a token.
            idempotency_key=f"checkout-{request.user.pk}-{plan.slug}-{token}",
        )
    except (gateway.StripeUnavailable, gateway.StripeRequestError):
        logger.exception("checkout session for user %s failed", request.user.pk)
        messages.error(request, gateway.UNAVAILABLE_MESSAGE)
        return redirect("billing:pricing")
    # The paywall's form names its guide; anything else is a checkout from elsewhere. A guide
    # that is not published is not refused here (the member still subscribes): stats keeps
    # that checkout with no guide.
    guide = request.POST.get("guide", "")
    # Counting it never stands between a member and Checkout.
    send_logged(
        checkout_started,
        checkout,
        f"checkout {token}",
        user=request.user,
        token=token,
        guide_id=int(guide) if GUIDE_ID_RE.fullmatch(guide) else None,
    )
    return HttpResponseRedirect(session["url"], status=303)


@login_required
@require_GET
@ratelimit(key="user", rate=f"{SUCCESS_PAGE_LIMIT}/m", block=False)
def success(request: AuthenticatedRequest) -> HttpResponse:
    session_id = request.GET.get("session_id", "")
    subscription = None
    if throttled(request):
        logger.info("success page for user %s throttled: not asking Stripe", request.user.pk)
    elif gateway.CHECKOUT_SESSION_ID_RE.fullmatch(session_id) and gateway.is_configured():
        try:
            subscription = checkout_session_sync(session_id=session_id, user=request.user)
        except PermissionError:
            messages.error(request, "That checkout belongs to another account.")
            return redirect("billing:pricing")
        except (gateway.StripeUnavailable, gateway.StripeRequestError):
            # The webhook will bring the same state shortly; the page says so.
            logger.warning("success page could not sync session %s", session_id, exc_info=True)
        entitlements.forget(request.user)
    return render(
        request,
        "billing/success.html",
        {"subscription": subscription, "has_access": entitlements.can_read_premium(request.user)},
    )


@login_required
@require_http_methods(["GET", "POST"])  # GET: the "update your card" link in emails
def portal(request: AuthenticatedRequest) -> HttpResponse:
    customer = Customer.objects.filter(user=request.user).first()
    if customer is None or not settings.STRIPE_SECRET_KEY:
        messages.info(request, "There is no billing to manage yet: subscribe first.")
        return redirect("billing:pricing")
    try:
        session = gateway.portal_session_create(
            customer_id=customer.stripe_customer_id,
            return_url=_absolute(reverse("accounts:account")),
            configuration=settings.STRIPE_PORTAL_CONFIGURATION,
        )
    except (gateway.StripeUnavailable, gateway.StripeRequestError):
        logger.exception("portal session for user %s failed", request.user.pk)
        messages.error(request, gateway.UNAVAILABLE_MESSAGE.replace(" Nothing was charged;", ""))
        return redirect("accounts:account")
    return HttpResponseRedirect(session["url"], status=303)
