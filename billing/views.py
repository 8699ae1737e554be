"""Billing pages."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from .entitlements import can_read_premium


@require_GET
def pricing(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "billing/pricing.html",
        {
            "has_access": can_read_premium(request.user),
            "billing_configured": bool(settings.STRIPE_SECRET_KEY and settings.STRIPE_PRICE_ID),
        },
    )
