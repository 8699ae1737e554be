"""The only module that imports `stripe`: one StripeClient, and the few calls the site makes.

Results come back as plain dicts (`StripeObject.to_dict()`), so the rest of the code never
depends on the SDK's object model. Connection problems, rate limits and Stripe's own 5xx
answers raise StripeUnavailable (worth retrying); anything else raises StripeRequestError.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from typing import Any

import stripe
from django.conf import settings
from stripe.params import CustomerCreateParams
from stripe.params.billing_portal import ConfigurationCreateParams
from stripe.params.billing_portal import SessionCreateParams as PortalSessionParams
from stripe.params.checkout import SessionCreateParams, SessionExpireParams

PRODUCT_ID = "alphacode"
WEBHOOK_TOLERANCE_SECONDS = 300
# A Checkout Session's id as Stripe sends a buyer back with it (`?session_id=`): anything else
# in that parameter is never sent on to Stripe.
CHECKOUT_SESSION_ID_RE = re.compile(r"^cs_[A-Za-z0-9_]{1,200}$")
# What a buyer is told when Stripe cannot be reached (StripeUnavailable) as they start paying.
UNAVAILABLE_MESSAGE = (
    "We couldn’t reach our payment provider. Nothing was charged; please try again."
)


class StripeUnavailable(Exception):
    """Stripe could not be reached or asked us to slow down: try again later."""


class StripeRequestError(Exception):
    """Stripe refused the request."""


class WebhookSignatureError(Exception):
    """The webhook's Stripe-Signature header does not verify; the message says why."""


def is_configured() -> bool:
    return bool(settings.STRIPE_SECRET_KEY and settings.STRIPE_PRICE_ID)


@functools.cache
def _client_for(api_key: str, api_base: str) -> stripe.StripeClient:
    # No base given: Stripe's own API (the SDK's defaults fill in every address not given).
    if api_base:
        return stripe.StripeClient(api_key, base_addresses={"api": api_base}, max_network_retries=2)
    return stripe.StripeClient(api_key, max_network_retries=2)


def client() -> stripe.StripeClient:
    if not settings.STRIPE_SECRET_KEY:
        raise StripeRequestError("Stripe is not configured (STRIPE_SECRET_KEY is empty)")
    return _client_for(settings.STRIPE_SECRET_KEY, settings.STRIPE_API_BASE)


def _call(method, *args: Any, **kwargs: Any) -> dict:
    try:
        return method(*args, **kwargs).to_dict()
    except (stripe.APIConnectionError, stripe.RateLimitError) as exc:
        raise StripeUnavailable(str(exc)) from exc
    except stripe.StripeError as exc:
        if (exc.http_status or 0) >= 500:
            raise StripeUnavailable(str(exc)) from exc
        raise StripeRequestError(str(exc)) from exc


def customer_create(*, email: str, user_id: int) -> dict:
    """A member's own customer (their personal plan, their gifts)."""
    params: CustomerCreateParams = {"email": email, "metadata": {"user_id": str(user_id)}}
    # The idempotency key makes two racing first checkouts share one customer.
    return _call(
        client().v1.customers.create,
        params=params,
        options={"idempotency_key": f"customer-for-user-{user_id}"},
    )


def _params_digest(params: Any) -> str:
    """A short digest of a request's parameters, for an idempotency key that changes with them
    (Stripe refuses a key sent again with other parameters)."""
    return hashlib.sha256(json.dumps(params, sort_keys=True).encode()).hexdigest()[:16]


def team_customer_create(*, team_id: int, user_id: int, email: str, name: str) -> dict:
    """A team's own customer, apart from its manager's: its seats' invoices, billing address
    and tax ID are the company's. Billed to the manager's address, named as the team."""
    params: CustomerCreateParams = {
        "email": email,
        "name": name,
        "metadata": {"team_id": str(team_id), "user_id": str(user_id)},
    }
    # Two racing checkouts of one team share one customer. Stripe refuses a key sent again
    # with other params (a renamed team after a refused Checkout): the params are in the key.
    digest = _params_digest(params)
    return _call(
        client().v1.customers.create,
        params=params,
        options={"idempotency_key": f"customer-for-team-{team_id}-{digest}"},
    )


def _with_tax(params: SessionCreateParams) -> SessionCreateParams:
    """The Checkout params with Stripe Tax, when STRIPE_AUTOMATIC_TAX is on (else unchanged):
    tax worked out from the billing address Checkout then requires, and a tax ID the buyer may
    give. Applied to every Checkout the site creates, with or without a customer."""
    if not settings.STRIPE_AUTOMATIC_TAX:
        return params
    taxed: SessionCreateParams = {
        **params,
        "automatic_tax": {"enabled": True},
        "billing_address_collection": "required",
        "tax_id_collection": {"enabled": True},
    }
    if params.get("customer"):
        # Stripe refuses tax for an existing customer unless Checkout may save the name and
        # address it collects onto that customer (and refuses customer_update without one).
        taxed["customer_update"] = {"address": "auto", "name": "auto"}
    return taxed


def _checkout_create(params: SessionCreateParams, idempotency_key: str) -> dict:
    """A Checkout Session, with Stripe Tax when it is on; one per idempotency key."""
    return _call(
        client().v1.checkout.sessions.create,
        params=_with_tax(params),
        options={"idempotency_key": idempotency_key},
    )


def checkout_session_create(
    *,
    user_id: int,
    customer_id: str,
    price_id: str,
    trial_days: int | None,
    success_url: str,
    cancel_url: str,
    idempotency_key: str,
) -> dict:
    """A Checkout Session selling the price, with a free trial of `trial_days` (None: none)."""
    params: SessionCreateParams = {
        "mode": "subscription",
        "line_items": [{"price": price_id, "quantity": 1}],
        "customer": customer_id,
        "client_reference_id": str(user_id),
        "subscription_data": {"metadata": {"user_id": str(user_id)}},
        "metadata": {"user_id": str(user_id)},
        "success_url": success_url,
        "cancel_url": cancel_url,
        "allow_promotion_codes": True,
    }
    if trial_days:
        params["subscription_data"]["trial_period_days"] = trial_days
    return _checkout_create(params, idempotency_key)


def team_checkout_session_create(
    *,
    user_id: int,
    team_id: int,
    customer_id: str,
    price_id: str,
    seats: int,
    success_url: str,
    cancel_url: str,
    idempotency_key: str,
) -> dict:
    """A Checkout Session selling `seats` of the price for a team (no free trial): the
    subscription's metadata names the team, which makes it a team's seats when it syncs."""
    metadata = {"team_id": str(team_id), "user_id": str(user_id)}
    params: SessionCreateParams = {
        "mode": "subscription",
        "line_items": [{"price": price_id, "quantity": seats}],
        "customer": customer_id,
        "client_reference_id": str(user_id),
        "subscription_data": {"metadata": metadata},
        "metadata": metadata,
        "success_url": success_url,
        "cancel_url": cancel_url,
        "allow_promotion_codes": True,
    }
    return _checkout_create(params, idempotency_key)


def payment_checkout_session_create(
    *,
    user_id: int,
    customer_id: str,
    amount: int,
    currency: str,
    description: str,
    metadata: dict[str, str],
    success_url: str,
    cancel_url: str,
    idempotency_key: str,
) -> dict:
    """A Checkout Session for one payment of `amount` (cents) for the one product (a gift), its
    `metadata` on the session and on the PaymentIntent it makes (which a refunded charge
    names), and `description` on the PaymentIntent (the buyer's receipt shows it)."""
    params: SessionCreateParams = {
        "mode": "payment",
        "line_items": [
            {
                "price_data": {"currency": currency, "product": PRODUCT_ID, "unit_amount": amount},
                "quantity": 1,
            }
        ],
        "customer": customer_id,
        "client_reference_id": str(user_id),
        "metadata": {**metadata, "user_id": str(user_id)},
        "payment_intent_data": {
            "metadata": {**metadata, "user_id": str(user_id)},
            "description": description,
        },
        "success_url": success_url,
        "cancel_url": cancel_url,
    }
    return _checkout_create(params, idempotency_key)


def charge_retrieve(charge_id: str) -> dict:
    return _call(client().v1.charges.retrieve, charge_id)


def payment_intent_retrieve(payment_intent_id: str) -> dict:
    return _call(client().v1.payment_intents.retrieve, payment_intent_id)


def checkout_session_retrieve(session_id: str) -> dict:
    return _call(client().v1.checkout.sessions.retrieve, session_id)


def checkout_session_expire(session_id: str) -> dict:
    """Expire an open Checkout Session: it can no longer be paid (Stripe refuses one that is
    not open: paid or expired already). Returns the session."""
    params: SessionExpireParams = {}
    return _call(client().v1.checkout.sessions.expire, session_id, params=params)


def subscription_retrieve(subscription_id: str) -> dict:
    # The coupons of its discounts, for what it brings in a month (billing.subscriptions).
    return _call(
        client().v1.subscriptions.retrieve,
        subscription_id,
        params={"expand": ["discounts.source.coupon"]},
    )


def invoices_open(subscription_id: str) -> list[dict]:
    """The subscription's invoices still waiting to be paid (up to 100, newest first)."""
    found = _call(
        client().v1.invoices.list,
        params={"subscription": subscription_id, "status": "open", "limit": 100},
    )
    return found.get("data") or []


def portal_session_create(*, customer_id: str, return_url: str, configuration: str = "") -> dict:
    """A Customer Portal session, with the portal configuration named (empty: the account's
    default, as set in Stripe's dashboard)."""
    params: PortalSessionParams = {"customer": customer_id, "return_url": return_url}
    if configuration:
        params["configuration"] = configuration
    return _call(client().v1.billing_portal.sessions.create, params=params)


# What the Customer Portal asks a member who cancels (Stripe's choices, all of them).
CANCELLATION_REASONS = [
    "too_expensive",
    "missing_features",
    "switched_service",
    "unused",
    "customer_service",
    "too_complex",
    "low_quality",
    "other",
]


def portal_configuration_params(
    *, key: str, name: str, price_ids: list[str], seats: bool
) -> ConfigurationCreateParams:
    """A Customer Portal configuration: update the card, see invoices, cancel at the period's
    end saying why, and switch between the plans' prices (and, for a team, change the number
    of seats). `key` goes in its metadata, by which it is found again."""
    return {
        "name": name,
        "metadata": {"alphacode": key},
        "business_profile": {"headline": "Alpha Code: manage your plan"},
        "features": {
            "customer_update": {"enabled": True, "allowed_updates": ["email", "address", "tax_id"]},
            "invoice_history": {"enabled": True},
            "payment_method_update": {"enabled": True},
            "subscription_cancel": {
                "enabled": True,
                "mode": "at_period_end",
                "cancellation_reason": {"enabled": True, "options": CANCELLATION_REASONS},
            },
            "subscription_update": {
                "enabled": True,
                "default_allowed_updates": ["price", "quantity"] if seats else ["price"],
                "products": [{"product": PRODUCT_ID, "prices": price_ids}],
                "proration_behavior": "create_prorations",
            },
        },
    }


def portal_configuration_find_or_create(params: ConfigurationCreateParams) -> dict:
    """The portal configuration whose metadata names the same key, updated to these params, or
    created."""
    key = (params.get("metadata") or {})["alphacode"]
    found = _call(
        client().v1.billing_portal.configurations.list, params={"active": True, "limit": 100}
    )
    for configuration in found.get("data") or []:
        if (configuration.get("metadata") or {}).get("alphacode") == key:
            return _call(
                client().v1.billing_portal.configurations.update,
                configuration["id"],
                params=params,
            )
    digest = _params_digest(params)
    return _call(
        client().v1.billing_portal.configurations.create,
        params=params,
        options={"idempotency_key": f"portal-configuration-{key}-{digest}"},
    )


def price_find_or_create(
    *, lookup_key: str, amount: int, currency: str, interval: str, nickname: str
) -> dict:
    """A recurring price of the one product, found by its lookup key or created (with the
    product, if need be)."""
    found = _call(
        client().v1.prices.list,
        params={"lookup_keys": [lookup_key], "active": True, "limit": 1},
    )
    if found.get("data"):
        return found["data"][0]
    try:
        product = _call(client().v1.products.retrieve, PRODUCT_ID)
    except StripeRequestError:
        product = _call(
            client().v1.products.create,
            params={
                "id": PRODUCT_ID,
                "name": "Alpha Code",
                "description": "Every Alpha Code interview-prep guide, in every track.",
            },
            options={"idempotency_key": f"product-{PRODUCT_ID}"},
        )
    return _call(
        client().v1.prices.create,
        params={
            "product": product["id"],
            "unit_amount": amount,
            "currency": currency,
            "recurring": {"interval": interval},
            "lookup_key": lookup_key,
            "nickname": nickname,
        },
        options={"idempotency_key": f"price-{lookup_key}"},
    )


def webhook_verify(payload: bytes, header: str, secret: str) -> None:
    """Check the Stripe-Signature header over the raw body (5-minute tolerance)."""
    try:
        stripe.WebhookSignature.verify_header(
            payload.decode("utf-8"), header, secret, tolerance=WEBHOOK_TOLERANCE_SECONDS
        )
    except UnicodeDecodeError:
        raise WebhookSignatureError("body is not UTF-8") from None
    except stripe.SignatureVerificationError as exc:
        message = str(exc.user_message or exc)
        if "tolerance" in message:
            reason = "timestamp outside the tolerance zone"
        elif "Unable to extract" in message:
            reason = "malformed Stripe-Signature header"
        else:
            reason = "signature does not match"
        raise WebhookSignatureError(reason) from None
