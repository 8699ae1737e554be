"""What every page tells a reader about their billing: a failed payment, with the way to the
Portal, in the header and (once access is paused) in the paywall. Rendered pages get it from the
context processor; pages served from a shell from the `payment_notice` and `paywall_paused`
holes (registered in `BillingConfig.ready`)."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from alphacode.context_processors import site_context
from pages.shells import Filler, Fragment, render_fragment

from .entitlements import payment_failure
from .status import payment_failure_text

NOTICE_TEMPLATE = "includes/payment_notice.html"
PAYWALL_PAUSED_TEMPLATE = "includes/paywall_paused.html"


def payment_notice_text(request: HttpRequest) -> str:
    """The notice in words, or "" (no query for a visitor or staff)."""
    failure = payment_failure(getattr(request, "user", None))
    return payment_failure_text(failure) if failure else ""


def payment_notice(request: HttpRequest) -> dict[str, object]:
    # Lazy: worked out only by a page that shows it.
    return {"payment_notice": SimpleLazyObject(lambda: payment_notice_text(request))}


def payment_notice_hole(request: HttpRequest) -> Filler:
    """The `payment_notice` hole's filler for this request."""

    def fill(_: int | str) -> Fragment | str:
        text = payment_notice_text(request)
        if not text:
            return ""
        return render_fragment(NOTICE_TEMPLATE, {"payment_notice": text, **site_context()})

    return fill


def paywall_paused_hole(request: HttpRequest) -> Filler:
    """The `paywall_paused` hole's filler: in a member's paywall, when their subscription is
    paused past its grace period, the way back is their card, not a second subscription."""

    def fill(_: int | str) -> Fragment | str:
        failure = payment_failure(getattr(request, "user", None))
        if failure is None or failure.access_until is not None:
            return ""
        return render_fragment(PAYWALL_PAUSED_TEMPLATE, site_context())

    return fill
