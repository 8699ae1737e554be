"""Stripe request parameters checked against the Stripe SDK's own typed parameters.

The SDK ships a TypedDict for the parameters of every API method (`stripe.params`), generated
from Stripe's OpenAPI spec. The fake Stripe checks each request it receives against the one for
its route, as Stripe itself would: an unknown parameter, a missing required one, a value outside
a documented set of choices or a number that is not a number is refused with Stripe's 400
("Received unknown parameter: …"). So every test that drives the site against the fake proves
the site's requests are valid, and a route the fake serves without a known type is refused too.
"""

from __future__ import annotations

import re
import typing
from collections.abc import Mapping
from decimal import Decimal
from functools import cache
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints

import stripe.params as params
import stripe.params.billing_portal as portal_params
import stripe.params.checkout as checkout_params
from stripe._request_options import RequestOptions
from stripe._stripe_context import StripeContext
from typing_extensions import is_typeddict

# Each route the fake serves: (method, path pattern) -> the SDK's parameters for it.
ROUTES: list[tuple[str, re.Pattern[str], type]] = [
    ("POST", re.compile(r"/v1/customers"), params.CustomerCreateParams),
    ("POST", re.compile(r"/v1/checkout/sessions"), checkout_params.SessionCreateParams),
    ("GET", re.compile(r"/v1/checkout/sessions/[\w]+"), checkout_params.SessionRetrieveParams),
    (
        "POST",
        re.compile(r"/v1/checkout/sessions/[\w]+/expire"),
        checkout_params.SessionExpireParams,
    ),
    ("GET", re.compile(r"/v1/subscriptions/[\w]+"), params.SubscriptionRetrieveParams),
    ("GET", re.compile(r"/v1/charges/[\w]+"), params.ChargeRetrieveParams),
    ("GET", re.compile(r"/v1/payment_intents/[\w]+"), params.PaymentIntentRetrieveParams),
    ("GET", re.compile(r"/v1/invoices"), params.InvoiceListParams),
    ("POST", re.compile(r"/v1/billing_portal/sessions"), portal_params.SessionCreateParams),
    (
        "GET",
        re.compile(r"/v1/billing_portal/configurations"),
        portal_params.ConfigurationListParams,
    ),
    (
        "POST",
        re.compile(r"/v1/billing_portal/configurations"),
        portal_params.ConfigurationCreateParams,
    ),
    (
        "POST",
        re.compile(r"/v1/billing_portal/configurations/[\w]+"),
        portal_params.ConfigurationUpdateParams,
    ),
    ("GET", re.compile(r"/v1/prices"), params.PriceListParams),
    ("POST", re.compile(r"/v1/prices"), params.PriceCreateParams),
    ("GET", re.compile(r"/v1/products/[\w-]+"), params.ProductRetrieveParams),
    ("POST", re.compile(r"/v1/products"), params.ProductCreateParams),
]

# Keys of the request options every params type inherits: never sent as parameters.
_OPTIONS = frozenset(RequestOptions.__annotations__)
# What the request options' annotations name only for type checkers.
_NAMES = {"StripeContext": StripeContext, "Mapping": Mapping}
_INTEGER = re.compile(r"-?[0-9]+")
_DECIMAL = re.compile(r"-?[0-9]+(\.[0-9]+)?")


def params_type(method: str, path: str) -> type | None:
    """The SDK's parameters for this route, None for a route the fake knows no type for."""
    return next(
        (kind for m, pattern, kind in ROUTES if m == method and pattern.fullmatch(path)), None
    )


@cache
def _fields(kind: type) -> tuple[dict[str, Any], frozenset[str]]:
    hints = get_type_hints(kind, localns=_NAMES)
    required = frozenset(getattr(kind, "__required_keys__", frozenset())) - _OPTIONS
    return {k: v for k, v in hints.items() if k not in _OPTIONS}, required


def problems(value: Any, kind: Any, where: str = "") -> list[str]:
    """What is wrong with a decoded form value (strings, dicts, lists) for the annotation, in
    Stripe's words; [] when it is valid."""
    origin = get_origin(kind)
    if kind is Any or kind is object or getattr(kind, "__name__", "") == "UntypedStripeObject":
        return []
    if is_typeddict(kind):
        if value == "":  # an empty string unsets a hash
            return []
        if not isinstance(value, dict):
            return [f"Invalid object: {where}"]
        fields, required = _fields(kind)
        found = []
        for key, item in value.items():
            name = f"{where}[{key}]" if where else key
            if key not in fields:
                found.append(f"Received unknown parameter: {name}")
            else:
                found += problems(item, fields[key], name)
        found += [
            f"Missing required param: {f'{where}[{k}]' if where else k}"
            for k in sorted(required - value.keys())
        ]
        return found
    if origin is Union or origin is typing.Union or str(origin) == "<class 'types.UnionType'>":
        results = [problems(value, option, where) for option in get_args(kind)]
        return [] if any(not r for r in results) else results[0]
    if origin is Literal:
        choices = [str(c).lower() if isinstance(c, bool) else str(c) for c in get_args(kind)]
        return [] if value in choices else [f"Invalid {where}: must be one of {choices}"]
    if origin in (list, typing.List):  # noqa: UP006 (the SDK's own spelling)
        if value == "":
            return []
        if not isinstance(value, list):
            return [f"Invalid array: {where}"]
        (item_kind,) = get_args(kind)
        return [
            p for i, item in enumerate(value) for p in problems(item, item_kind, f"{where}[{i}]")
        ]
    if origin in (dict, typing.Dict):  # noqa: UP006
        if value == "":
            return []
        if not isinstance(value, dict):
            return [f"Invalid object: {where}"]
        _, item_kind = get_args(kind)
        return [p for k, item in value.items() for p in problems(item, item_kind, f"{where}[{k}]")]
    if kind is bool:
        return [] if value in ("true", "false") else [f"Invalid boolean: {where}"]
    if kind is int:
        ok = isinstance(value, str) and _INTEGER.fullmatch(value)
        return [] if ok else [f"Invalid integer: {where}"]
    if kind in (float, Decimal):
        ok = isinstance(value, str) and _DECIMAL.fullmatch(value)
        return [] if ok else [f"Invalid decimal: {where}"]
    if kind is str:
        return [] if isinstance(value, str) else [f"Invalid string: {where}"]
    return [f"No check for {kind!r} at {where}"]


def request_problems(method: str, path: str, decoded: dict) -> list[str]:
    """What Stripe would refuse in this request; a route with no known type is one problem."""
    kind = params_type(method, path)
    if kind is None:
        return [f"Unrecognized request URL ({method}: {path}): the fake knows no params type"]
    return problems(decoded, kind)
