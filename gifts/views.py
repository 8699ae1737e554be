"""Gift pages: the gift form and its Checkout, the thanks page after it, and the redeem page a
recipient's link opens."""

from __future__ import annotations

import logging
from http import HTTPStatus

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods
from django_ratelimit.decorators import ratelimit

from accounts.requests import (
    AuthenticatedRequest,
    form_token,
    sign_in_links,
    signed_in_user,
    throttled,
)
from alphacode.context_processors import dollars
from billing import stripe_gateway as gateway
from billing.subscriptions import customer_for_checkout

from .emails import giver_name
from .forms import GiftForm
from .links import gift_id_from
from .models import Gift
from .offers import OFFERS, SEND_TIME
from .selectors import gift_state_text, redeem_preview
from .services import GiftNotRedeemable, gift_checkout_recorded, gift_checkout_sync, gift_for_form
from .services import gift_redeem as redeem_gift

logger = logging.getLogger(__name__)
# Each gift form sent asks Stripe for a Checkout Session: a member may send this many a minute.
CHECKOUT_LIMIT = 5
TOO_MANY = (
    "You have started several gift checkouts in the last minute. Nothing was charged; please "
    "wait a minute and try again."
)
# The thanks page asks Stripe for the session; past this many a minute it shows what we know.
THANKS_PAGE_LIMIT = 5
# Redeeming locks rows and writes a grant: a few tries a minute is plenty for a person.
REDEEM_LIMIT = 10


def _gift_page(request: HttpRequest, form: GiftForm | None, *, token: str = "") -> HttpResponse:
    return render(
        request,
        "gifts/gift.html",
        {
            "form": form,
            "token": token or form_token(),
            "offers": list(OFFERS.values()),
            "send_hour": SEND_TIME,
            "billing_configured": gateway.is_configured(),
            **sign_in_links(reverse("gifts:gift")),
        },
    )


@require_http_methods(["GET", "POST"])
@ratelimit(key="user_or_ip", rate=f"{CHECKOUT_LIMIT}/m", method="POST", block=False)
def gift(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    if request.method == "GET" and request.GET.get("checkout") == "canceled":
        messages.info(request, "Checkout was canceled. Nothing was charged.")
    if user is None:
        if request.method == "POST":
            return redirect(sign_in_links(reverse("gifts:gift"))["login_url"])
        return _gift_page(request, None)
    if request.method == "GET":
        return _gift_page(request, GiftForm())
    form = GiftForm(request.POST)
    # One token per rendered form: a double-submitted form is one gift and one Checkout.
    token = form_token(request.POST.get("token", ""))
    if throttled(request):
        logger.info("gift checkout for user %s throttled: not asking Stripe", user.pk)
        messages.error(request, TOO_MANY)
        return _gift_page(request, form, token=token)
    if not form.is_valid():
        return _gift_page(request, form, token=token)
    if not gateway.is_configured():
        messages.error(request, "Payments are not configured on this site yet.")
        return _gift_page(request, form, token=token)
    gift = gift_for_form(giver=user, form_token=token, details=form.details())
    offer = OFFERS[gift.months]
    base = settings.SITE_URL
    try:
        customer_id = customer_for_checkout(user=user)
        session = gateway.payment_checkout_session_create(
            user_id=user.pk,
            customer_id=customer_id,
            amount=gift.amount,
            currency=gift.currency,
            description=f"Gift: {offer.name} for {gift.recipient_email}",
            metadata={"gift_id": str(gift.pk)},
            success_url=f"{base}{reverse('gifts:thanks')}?session_id={{CHECKOUT_SESSION_ID}}",
            cancel_url=f"{base}{reverse('gifts:gift')}?checkout=canceled",
            idempotency_key=f"gift-checkout-{gift.pk}",
        )
    except (gateway.StripeUnavailable, gateway.StripeRequestError):
        logger.exception("gift checkout session for user %s failed", user.pk)
        messages.error(request, gateway.UNAVAILABLE_MESSAGE)
        return _gift_page(request, form, token=token)
    gift_checkout_recorded(gift=gift, session_id=session["id"])
    return HttpResponseRedirect(session["url"], status=HTTPStatus.SEE_OTHER)


@login_required
@require_GET
@ratelimit(key="user", rate=f"{THANKS_PAGE_LIMIT}/m", block=False)
def thanks(request: AuthenticatedRequest) -> HttpResponse:
    session_id = request.GET.get("session_id", "")
    if not gateway.CHECKOUT_SESSION_ID_RE.fullmatch(session_id):
        session_id = ""
    gift = None
    if throttled(request):
        logger.info("gift thanks page for user %s throttled: not asking Stripe", request.user.pk)
    elif session_id and gateway.is_configured():
        try:
            gift = gift_checkout_sync(session_id=session_id, user=request.user)
        except PermissionError:
            messages.error(request, "That checkout belongs to another account.")
            return redirect("gifts:gift")
        except (gateway.StripeUnavailable, gateway.StripeRequestError):
            # The webhook brings the same state shortly; the page says so.
            logger.warning("gift thanks page could not sync session %s", session_id, exc_info=True)
    if gift is None and session_id:
        gift = Gift.objects.filter(
            giver=request.user, stripe_checkout_session_id=session_id
        ).first()
    if gift is not None and gift.giver_id != request.user.pk:
        gift = None
    return render(
        request,
        "gifts/thanks.html",
        {
            "gift": gift,
            "paid": gift is not None and gift.state != Gift.State.PENDING,
            "state": gift_state_text(gift) if gift else "",
            "amount": dollars(gift.amount) if gift else "",
            "send_hour": SEND_TIME,
        },
    )


@require_http_methods(["GET", "POST"])
@ratelimit(key="user_or_ip", rate=f"{REDEEM_LIMIT}/m", method="POST", block=False)
def redeem(request: HttpRequest, token: str) -> HttpResponse:
    gift_id = gift_id_from(token)
    gift = (
        Gift.objects.select_related("giver", "redeemed_by").filter(pk=gift_id).first()
        if gift_id is not None
        else None
    )
    if gift is None or gift.state == Gift.State.PENDING:
        # A link we did not sign (or altered), or one for a gift never paid for.
        return render(request, "gifts/redeem_invalid.html", status=HTTPStatus.NOT_FOUND)
    user = signed_in_user(request)
    if request.method == "POST":
        if user is None:
            return redirect(sign_in_links(request.path)["login_url"])
        if throttled(request):
            messages.error(request, "Too many tries in the last minute: please wait a minute.")
            return redirect(request.path)
        try:
            gift = redeem_gift(gift_id=gift.pk, user=user)
        except GiftNotRedeemable as refused:
            messages.error(request, str(refused))
        else:
            messages.success(request, "Your gift is redeemed. Every guide is open to you.")
        return redirect(request.path)
    preview = (
        redeem_preview(gift=gift, user=user)
        if user is not None and gift.state == Gift.State.PAID
        else None
    )
    return render(
        request,
        "gifts/redeem.html",
        {
            "gift": gift,
            "giver": giver_name(gift),
            "preview": preview,
            "redeemed_by_you": user is not None and gift.redeemed_by_id == user.pk,
            **sign_in_links(request.path),
        },
        status=HTTPStatus.GONE if gift.state == Gift.State.VOID else HTTPStatus.OK,
    )
