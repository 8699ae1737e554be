"""Template context shared by every page."""

from __future__ import annotations

import functools

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse


@functools.cache
def site_urls() -> dict[str, str]:
    """The site's fixed URLs, reversed once per process rather than on every page. They are
    kept for the life of the process and shared by every reader; no request can change them,
    because the script name is fixed in settings (FORCE_SCRIPT_NAME), which Django applies to
    every request and at start-up."""
    names = {
        "home": "reader:home",
        "library": "reader:guide_list",
        "search": "reader:search",
        "feed": "reader:feed",
        "pricing": "billing:pricing",
        "gift": "gifts:gift",
        "checkout": "billing:checkout",
        "portal": "billing:portal",
        "team_portal": "teams:portal",
        "account": "accounts:account",
        "login": "account_login",
        "signup": "account_signup",
        "logout": "account_logout",
        "admin": "admin:index",
        "progress": "study:progress",
        "drills": "study:drills",
        "plan": "study:plan",
        "practice": "training:practice",
        "diagnostic": "training:diagnostic",
        "tick": "study:tick",
        "position": "study:position",
        "finish": "study:finish",
    }
    return {key: reverse(name) for key, name in names.items()}


# The prices, written once. Stripe charges PRICE_AMOUNT a month or PRICE_ANNUAL_AMOUNT a year
# (`stripe_setup` creates the Stripe prices from them, through billing.plans) and every page and
# email shows PRICE_MONTHLY and PRICE_ANNUAL, derived from them. They live here, not in billing,
# because the project package imports no app and every page needs them.
PRICE_AMOUNT = 1900  # cents, in PRICE_CURRENCY, per month
PRICE_ANNUAL_AMOUNT = 19000  # cents, in PRICE_CURRENCY, per year: two months free
PRICE_CURRENCY = "usd"


def dollars(cents: int) -> str:
    """ "$19" for 1900, "$19.50" for 1950."""
    whole, rest = divmod(cents, 100)
    return f"${whole}" if rest == 0 else f"${whole}.{rest:02d}"


PRICE_MONTHLY = dollars(PRICE_AMOUNT)
PRICE_ANNUAL = dollars(PRICE_ANNUAL_AMOUNT)


def site_context() -> dict:
    """What every page, fragment and email may use; it does not depend on the request."""
    return {
        "SITE_URL": settings.SITE_URL,
        "PRICE_MONTHLY": PRICE_MONTHLY,
        "PRICE_ANNUAL": PRICE_ANNUAL,
        "URLS": site_urls(),
    }


def site(request: HttpRequest) -> dict:
    return site_context()
