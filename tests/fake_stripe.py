"""A small fake of the Stripe API, served over HTTP, for the real `stripe` SDK to talk to.

It implements what the site calls (customers, Checkout Sessions in subscription and payment
mode, retrieved and expired, subscriptions, invoices, PaymentIntents and charges, refunds,
Customer Portal sessions, products and prices) with objects shaped like the current API
(`2026-10-28.endive`): the billing period on subscription items, the invoice's subscription
under `parent.subscription_details`. It refuses, as Stripe would, any request whose parameters
the SDK's typed parameters do not allow (tests/stripe_params.py). It records every request,
honours idempotency keys, and serves the pages a browser is sent to (Checkout completes and
redirects to `success_url`; the portal links back to `return_url`).
"""

from __future__ import annotations

import itertools
import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import stripe

from .stripe_params import request_problems

DAY = 24 * 3600
MONTH = 30 * DAY
YEAR = 365 * DAY


def decode_form(body: str) -> dict:
    """Stripe's form encoding (a[b][0][c]=v) back into nested dicts and lists."""
    root: dict = {}
    for key, value in parse_qsl(body, keep_blank_values=True):
        parts = re.findall(r"[^\[\]]+", key)
        node = root
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value

    def listify(node: Any) -> Any:
        if isinstance(node, dict):
            if node and all(k.isdigit() for k in node):
                return [listify(node[k]) for k in sorted(node, key=int)]
            return {k: listify(v) for k, v in node.items()}
        return node

    return listify(root)


@dataclass
class Recorded:
    method: str
    path: str
    params: dict
    headers: dict


@dataclass
class FakeStripe:
    base_url: str = ""
    requests: list[Recorded] = field(default_factory=list)
    customers: dict[str, dict] = field(default_factory=dict)
    sessions: dict[str, dict] = field(default_factory=dict)
    subscriptions: dict[str, dict] = field(default_factory=dict)
    prices: dict[str, dict] = field(default_factory=dict)
    products: dict[str, dict] = field(default_factory=dict)
    portal_sessions: dict[str, dict] = field(default_factory=dict)
    portal_configurations: dict[str, dict] = field(default_factory=dict)
    coupons: dict[str, dict] = field(default_factory=dict)
    invoices: dict[str, dict] = field(default_factory=dict)
    discounts: dict[str, dict] = field(default_factory=dict)
    payment_intents: dict[str, dict] = field(default_factory=dict)
    charges: dict[str, dict] = field(default_factory=dict)
    # Each idempotency key's request parameters and the answer given to them.
    idempotent: dict[str, tuple[dict, tuple[int, dict]]] = field(default_factory=dict)
    fail_next: list[int] = field(default_factory=list)
    # Requests refused because the SDK's typed parameters do not allow them (stripe_params).
    refused: list[tuple[str, str, list[str]]] = field(default_factory=list)
    # Seconds to wait before answering a path (to catch a worker mid-request), and the paths
    # of requests as they arrive (before any wait).
    delays: dict[str, float] = field(default_factory=dict)
    arrivals: list[str] = field(default_factory=list)
    lock: threading.RLock = field(default_factory=threading.RLock)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    # --- helpers for tests ----------------------------------------------------------------
    def new_id(self, prefix: str) -> str:
        return f"{prefix}_test{next(self._ids):06d}"

    def requests_to(self, method: str, path: str) -> list[Recorded]:
        return [r for r in self.requests if r.method == method and r.path == path]

    def add_price(
        self, *, amount: int = 1900, lookup_key: str = "alphacode-monthly", interval: str = "month"
    ) -> dict:
        product = self.products.setdefault(
            "alphacode", {"id": "alphacode", "object": "product", "name": "Alpha Code"}
        )
        price = {
            "id": self.new_id("price"),
            "object": "price",
            "active": True,
            "currency": "usd",
            "unit_amount": amount,
            "product": product["id"],
            "recurring": {"interval": interval, "interval_count": 1},
            "lookup_key": lookup_key,
            "type": "recurring",
        }
        self.prices[price["id"]] = price
        return price

    def add_coupon(
        self, *, percent_off: float | None = None, amount_off: int | None = None
    ) -> dict:
        coupon = {
            "id": self.new_id("coupon"),
            "object": "coupon",
            "percent_off": percent_off,
            "amount_off": amount_off,
            "currency": "usd" if amount_off else None,
            "duration": "forever",
            "valid": True,
        }
        self.coupons[coupon["id"]] = coupon
        return coupon

    def apply_coupon(self, sub_id: str, coupon: dict) -> dict:
        """A discount on the subscription, as the current API shows it: the subscription lists
        the discount's id, and the discount names its coupon at source.coupon."""
        discount = {
            "id": self.new_id("di"),
            "object": "discount",
            "subscription": sub_id,
            "source": {"type": "coupon", "coupon": coupon["id"]},
            "start": int(time.time()),
            "end": None,
        }
        self.discounts[discount["id"]] = discount
        self.subscriptions[sub_id].setdefault("discounts", []).append(discount["id"])
        return discount

    def expanded(self, subscription: dict, expand: list[str]) -> dict:
        """The subscription with its discounts (and their coupons) expanded as asked."""
        if not any(path.startswith("discounts") for path in expand):
            return subscription
        discounts = []
        for discount_id in subscription.get("discounts") or []:
            discount = dict(self.discounts[discount_id])
            if "discounts.source.coupon" in expand:
                coupon_id = discount["source"]["coupon"]
                discount["source"] = {**discount["source"], "coupon": self.coupons[coupon_id]}
            discounts.append(discount)
        return {**subscription, "discounts": discounts}

    def subscription_object(
        self,
        *,
        customer: str,
        price: dict,
        metadata: dict,
        status: str = "active",
        sub_id: str | None = None,
        trial_days: int | None = None,
        quantity: int = 1,
    ) -> dict:
        """A subscription to the price; with `trial_days`, trialing until the trial ends (the
        first period is the trial, as in Stripe)."""
        now = int(time.time())
        sub_id = sub_id or self.new_id("sub")
        trial_end = now + trial_days * DAY if trial_days else None
        if trial_end:
            status = "trialing"
        period = YEAR if price["recurring"]["interval"] == "year" else MONTH
        return {
            "id": sub_id,
            "object": "subscription",
            "customer": customer,
            "status": status,
            "cancel_at": None,
            "cancel_at_period_end": False,
            "canceled_at": None,
            "cancellation_details": {"comment": None, "feedback": None, "reason": None},
            "ended_at": None,
            "created": now,
            "start_date": now,
            "trial_start": now if trial_end else None,
            "trial_end": trial_end,
            "metadata": metadata,
            "discounts": [],
            "items": {
                "object": "list",
                "has_more": False,
                "url": "/v1/subscription_items",
                "data": [
                    {
                        "id": self.new_id("si"),
                        "object": "subscription_item",
                        "subscription": sub_id,
                        "quantity": quantity,
                        "price": price,
                        "current_period_start": now,
                        "current_period_end": trial_end or now + period,
                    }
                ],
            },
        }

    def expire_checkout(self, session_id: str) -> dict:
        """What Stripe does to an open session 24 hours on (or when asked to expire it): it can
        no longer be paid. Returns the session."""
        with self.lock:
            session = self.sessions[session_id]
            assert session["status"] == "open", f"a {session['status']} session cannot expire"
            session.update(status="expired", expires_at=int(time.time()))
            return session

    def complete_checkout(self, session_id: str, *, status: str = "active") -> dict:
        """What Stripe does when the buyer pays: the session completes with a subscription."""
        with self.lock:
            session = self.sessions[session_id]
            assert session["status"] != "expired", "an expired Checkout cannot be paid"
            if session["subscription"]:
                return self.subscriptions[session["subscription"]]
            price = self.prices.get(session["_price"]) or self.add_price()
            subscription = self.subscription_object(
                customer=session["customer"],
                price=price,
                metadata=session["_subscription_metadata"],
                status=status,
                trial_days=session["_trial_period_days"],
                quantity=session["_quantity"],
            )
            self.subscriptions[subscription["id"]] = subscription
            session.update(
                status="complete", payment_status="paid", subscription=subscription["id"]
            )
            return subscription

    def complete_payment(self, session_id: str) -> dict:
        """What Stripe does when the buyer pays a payment-mode session: a PaymentIntent that
        succeeded, its Charge, and the session complete and paid. Returns the charge."""
        with self.lock:
            session = self.sessions[session_id]
            assert session["mode"] == "payment", "complete_checkout() completes subscriptions"
            if session["payment_intent"]:
                intent = self.payment_intents[session["payment_intent"]]
                return json.loads(json.dumps(self.charges[intent["latest_charge"]]))
            now = int(time.time())
            intent_data = session["_payment_intent_data"]
            intent_id, charge_id = self.new_id("pi"), self.new_id("ch")
            amount = session["amount_total"]
            self.payment_intents[intent_id] = {
                "id": intent_id,
                "object": "payment_intent",
                "amount": amount,
                "amount_capturable": 0,
                "amount_received": amount,
                "capture_method": "automatic_async",
                "created": now,
                "currency": session["currency"],
                "customer": session["customer"],
                "description": intent_data.get("description"),
                "latest_charge": charge_id,
                "livemode": False,
                "metadata": intent_data.get("metadata", {}),
                "payment_method": self.new_id("pm"),
                "payment_method_types": ["card"],
                "status": "succeeded",
            }
            self.charges[charge_id] = {
                "id": charge_id,
                "object": "charge",
                "amount": amount,
                "amount_captured": amount,
                "amount_refunded": 0,
                "balance_transaction": self.new_id("txn"),
                "captured": True,
                "created": now,
                "currency": session["currency"],
                "customer": session["customer"],
                "description": intent_data.get("description"),
                "disputed": False,
                "livemode": False,
                # A charge carries metadata of its own, not its PaymentIntent's.
                "metadata": {},
                "paid": True,
                "payment_intent": intent_id,
                "receipt_url": f"{self.base_url}/receipts/{charge_id}",
                "refunded": False,
                "status": "succeeded",
            }
            session.update(status="complete", payment_status="paid", payment_intent=intent_id)
            return json.loads(json.dumps(self.charges[charge_id]))

    def refund(self, charge_or_intent: str, *, amount: int | None = None) -> dict:
        """A refund (of `amount`, else all that is left) of a charge, named by its id or its
        PaymentIntent's, as Stripe makes it: the charge's amount_refunded grows, and `refunded`
        is true once all of it is refunded. Returns the charge, as `charge.refunded` sends it."""
        with self.lock:
            charge_id = charge_or_intent
            if charge_or_intent in self.payment_intents:
                charge_id = self.payment_intents[charge_or_intent]["latest_charge"]
            charge = self.charges[charge_id]
            left = charge["amount"] - charge["amount_refunded"]
            charge["amount_refunded"] += left if amount is None else min(amount, left)
            charge["refunded"] = charge["amount_refunded"] == charge["amount"]
            return json.loads(json.dumps(charge))

    def update_subscription(self, sub_id: str, **changes: Any) -> dict:
        with self.lock:
            subscription = self.subscriptions[sub_id]
            period_end = changes.pop("current_period_end", None)
            if period_end is not None:
                subscription["items"]["data"][0]["current_period_end"] = period_end
            subscription.update(changes)
            return json.loads(json.dumps(subscription))

    def end_trial(self, sub_id: str, *, converts: bool = True) -> dict:
        """The trial's end as Stripe makes it: the first invoice is paid and the subscription is
        active for its first paid period, or (`converts=False`: cancelled during the trial) it
        ends, never charged."""
        subscription = self.subscriptions[sub_id]
        if not converts:
            return self.cancel_subscription(sub_id)
        price = subscription["items"]["data"][0]["price"]
        period = YEAR if price["recurring"]["interval"] == "year" else MONTH
        now = int(time.time())
        subscription["items"]["data"][0]["current_period_start"] = now
        return self.update_subscription(
            sub_id, status="active", trial_end=now, current_period_end=now + period
        )

    def change_quantity(self, sub_id: str, quantity: int) -> dict:
        """What the Customer Portal does when the customer changes the seat count: the item's
        quantity (Stripe then sends customer.subscription.updated)."""
        with self.lock:
            self.subscriptions[sub_id]["items"]["data"][0]["quantity"] = quantity
            return json.loads(json.dumps(self.subscriptions[sub_id]))

    def cancel_in_portal(
        self, sub_id: str, *, feedback: str | None, comment: str | None, at_period_end: bool = True
    ) -> dict:
        """What the Customer Portal does when the member cancels and answers its survey: set to
        cancel at the period's end (Stripe's default for the Portal), or at once; either way
        `canceled_at` is the time they asked and `cancellation_details` holds their answer."""
        now = int(time.time())
        details = {"comment": comment, "feedback": feedback, "reason": "cancellation_requested"}
        if at_period_end:
            period_end = self.subscriptions[sub_id]["items"]["data"][0]["current_period_end"]
            return self.update_subscription(
                sub_id,
                cancel_at_period_end=True,
                cancel_at=period_end,
                canceled_at=now,
                cancellation_details=details,
            )
        return self.update_subscription(
            sub_id, status="canceled", canceled_at=now, ended_at=now, cancellation_details=details
        )

    def switch_price(self, sub_id: str, price: dict) -> dict:
        """What the Customer Portal does when the member switches plan: the item's price is
        replaced; a change of interval (monthly to annual) starts a new billing period now."""
        with self.lock:
            item = self.subscriptions[sub_id]["items"]["data"][0]
            changed_interval = (
                item["price"]["recurring"]["interval"] != price["recurring"]["interval"]
            )
            item["price"] = price
            if changed_interval:
                now = int(time.time())
                period = YEAR if price["recurring"]["interval"] == "year" else MONTH
                item.update(current_period_start=now, current_period_end=now + period)
            return json.loads(json.dumps(self.subscriptions[sub_id]))

    def cancel_subscription(self, sub_id: str) -> dict:
        now = int(time.time())
        return self.update_subscription(sub_id, status="canceled", canceled_at=now, ended_at=now)

    def public(self, obj: dict) -> dict:
        return {k: v for k, v in obj.items() if not k.startswith("_")}

    def event(self, event_type: str, obj: dict, *, event_id: str | None = None) -> dict:
        return {
            "id": event_id or self.new_id("evt"),
            "object": "event",
            "type": event_type,
            "api_version": stripe._api_version._ApiVersion.CURRENT,
            "created": int(time.time()),
            "livemode": False,
            "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None},
            "data": {"object": self.public(json.loads(json.dumps(obj)))},
        }

    def invoice(self, sub_id: str, *, status: str = "paid", at: int | None = None) -> dict:
        """An invoice of the subscription, finalized `at` (now): a paid one, or an open one
        whose first attempt failed."""
        subscription = self.subscriptions[sub_id]
        at = at or int(time.time())
        invoice = {
            "id": self.new_id("in"),
            "object": "invoice",
            "customer": subscription["customer"],
            "status": status,
            "amount_due": 1900,
            "amount_paid": 1900 if status == "paid" else 0,
            "attempt_count": 1,
            "attempted": True,
            "collection_method": "charge_automatically",
            "created": at - 3600,
            "currency": "usd",
            "hosted_invoice_url": f"{self.base_url}/invoice/{sub_id}",
            "status_transitions": {
                "finalized_at": at,
                "paid_at": at if status == "paid" else None,
                "marked_uncollectible_at": None,
                "voided_at": None,
            },
            "parent": {
                "type": "subscription_details",
                "quote_details": None,
                "subscription_details": {"subscription": sub_id, "metadata": {}},
            },
        }
        with self.lock:
            self.invoices[invoice["id"]] = invoice
        return json.loads(json.dumps(invoice))

    def fail_payment(self, sub_id: str, *, at: int | None = None) -> tuple[dict, dict]:
        """What Stripe does when a renewal's charge fails: an open invoice, and the
        subscription past due. Returns (invoice, subscription)."""
        invoice = self.invoice(sub_id, status="open", at=at)
        return invoice, self.update_subscription(sub_id, status="past_due")

    def pay_invoice(self, invoice_id: str) -> tuple[dict, dict]:
        """The invoice paid (a retry worked, or a new card in the Portal): the subscription is
        active again once no open invoice is left. Returns (invoice, subscription)."""
        with self.lock:
            invoice = self.invoices[invoice_id]
            invoice.update(status="paid", amount_paid=invoice["amount_due"])
            invoice["status_transitions"]["paid_at"] = int(time.time())
            sub_id = invoice["parent"]["subscription_details"]["subscription"]
            still_open = any(
                i["status"] == "open"
                and i["parent"]["subscription_details"]["subscription"] == sub_id
                for i in self.invoices.values()
            )
            subscription = self.update_subscription(
                sub_id, status="past_due" if still_open else "active"
            )
            return json.loads(json.dumps(invoice)), subscription

    # --- what Stripe refuses beyond the typed parameters ------------------------------------------
    @staticmethod
    def checkout_tax_refusal(params: dict) -> str | None:
        """Why Stripe would refuse these Checkout Session parameters together (None: it would
        not): tax settings combined as Stripe does not allow. Each parameter alone is checked
        against the SDK's types first (stripe_params)."""
        update = params.get("customer_update") or {}
        customer = bool(params.get("customer"))
        if update and not customer:
            return "customer_update can only be used with customer."
        tax_ids = (params.get("tax_id_collection") or {}).get("enabled") == "true"
        if customer and tax_ids and update.get("name") != "auto":
            return (
                "tax_id_collection[enabled]=true requires customer_update[name]=auto "
                "when a customer is passed."
            )
        automatic_tax = (params.get("automatic_tax") or {}).get("enabled") == "true"
        address_saved = "auto" in (update.get("address"), update.get("shipping"))
        if customer and automatic_tax and not address_saved:
            return (
                "Automatic tax calculation in Checkout requires a valid address on the "
                "Customer. Add a valid address to the Customer or set either "
                "`customer_update[address]` to 'auto' or `customer_update[shipping]` to "
                "'auto'."
            )
        return None

    # --- the API ------------------------------------------------------------------------------
    def handle(self, method: str, path: str, params: dict, headers: dict) -> tuple[int, dict]:
        with self.lock:
            self.requests.append(Recorded(method, path, params, headers))
            if self.fail_next:
                status = self.fail_next.pop(0)
                return status, {"error": {"type": "api_error", "message": "Injected failure"}}
            key = headers.get("idempotency-key")
            if method == "POST" and key and key in self.idempotent:
                first_params, answer = self.idempotent[key]
                if first_params != params:
                    # As Stripe does: a key names one request, never another one's.
                    return 400, {
                        "error": {
                            "type": "idempotency_error",
                            "message": "Keys for idempotent requests can only be used with the "
                            "same parameters they were first used with.",
                        }
                    }
                return answer
            if problems := request_problems(method, path, params):
                # As Stripe refuses what its API does not define (stripe_params).
                self.refused.append((method, path, problems))
                return 400, {
                    "error": {"type": "invalid_request_error", "message": "; ".join(problems)}
                }
            result = self._route(method, path, params)
            if method == "POST" and key and result[0] == 200:
                self.idempotent[key] = (params, result)
            return result

    def _route(self, method: str, path: str, params: dict) -> tuple[int, dict]:
        def missing(what: str) -> tuple[int, dict]:
            return 404, {
                "error": {
                    "type": "invalid_request_error",
                    "code": "resource_missing",
                    "message": f"No such {what}",
                }
            }

        if method == "POST" and path == "/v1/customers":
            customer = {
                "id": self.new_id("cus"),
                "object": "customer",
                "email": params.get("email"),
                "name": params.get("name"),
                "metadata": params.get("metadata", {}),
            }
            self.customers[customer["id"]] = customer
            return 200, customer
        if method == "POST" and path == "/v1/checkout/sessions":
            mode = params.get("mode")
            if mode not in ("subscription", "payment"):
                return 400, {"error": {"type": "invalid_request_error", "message": "mode"}}
            refusal = self._checkout_params_refused(mode, params) or self.checkout_tax_refusal(
                params
            )
            if refusal:
                self.refused.append((method, path, [refusal]))
                return 400, {"error": {"type": "invalid_request_error", "message": refusal}}
            line_items = params.get("line_items") or []
            quantity = line_items[0].get("quantity", "1") if line_items else ""
            if len(line_items) != 1 or not quantity.isdigit() or int(quantity) < 1:
                return 400, {
                    "error": {
                        "type": "invalid_request_error",
                        "param": "line_items[0][quantity]",
                        "message": "Invalid positive integer",
                    }
                }
            session_id = self.new_id("cs")
            customer = (
                params.get("customer") or self.handle("POST", "/v1/customers", {}, {})[1]["id"]
            )
            line = params["line_items"][0]
            price_data = line.get("price_data") or {}
            unit_amount = (
                int(price_data["unit_amount"])
                if price_data
                else (self.prices.get(line.get("price", "")) or {}).get("unit_amount")
            )
            quantity = int(line.get("quantity") or 1)
            session = {
                "id": session_id,
                "object": "checkout.session",
                "mode": mode,
                "status": "open",
                "amount_total": None if unit_amount is None else unit_amount * quantity,
                "currency": price_data.get("currency", "usd"),
                "payment_intent": None,
                "payment_status": "unpaid",
                "customer": customer,
                "client_reference_id": params.get("client_reference_id"),
                "metadata": params.get("metadata", {}),
                "subscription": None,
                "success_url": params.get("success_url"),
                "cancel_url": params.get("cancel_url"),
                "url": f"{self.base_url}/checkout/{session_id}",
                # Stripe's default: a session not paid within 24 hours expires.
                "expires_at": int(time.time()) + DAY,
                "automatic_tax": {
                    "enabled": (params.get("automatic_tax") or {}).get("enabled") == "true",
                    "liability": None,
                    "status": None,
                },
                "billing_address_collection": params.get("billing_address_collection"),
                "tax_id_collection": {
                    "enabled": (params.get("tax_id_collection") or {}).get("enabled") == "true",
                    "required": "never",
                },
                "_price": line.get("price"),
                "_payment_intent_data": params.get("payment_intent_data") or {},
                "_quantity": quantity,
                "_subscription_metadata": (params.get("subscription_data") or {}).get(
                    "metadata", {}
                ),
                "_trial_period_days": int(
                    (params.get("subscription_data") or {}).get("trial_period_days") or 0
                )
                or None,
            }
            self.sessions[session_id] = session
            return 200, self.public(session)
        if match := re.fullmatch(r"/v1/checkout/sessions/([\w]+)/expire", path):
            session = self.sessions.get(match[1])
            if session is None:
                return missing("checkout.session")
            if session["status"] != "open":
                return 400, {
                    "error": {
                        "type": "invalid_request_error",
                        "message": 'Only Checkout Sessions with a status in ["open"] can be '
                        f"expired. This Checkout Session has status `{session['status']}`.",
                    }
                }
            return 200, self.public(self.expire_checkout(session["id"]))
        if match := re.fullmatch(r"/v1/checkout/sessions/([\w]+)", path):
            session = self.sessions.get(match[1])
            return (200, self.public(session)) if session else missing("checkout.session")
        if match := re.fullmatch(r"/v1/charges/([\w]+)", path):
            charge = self.charges.get(match[1])
            return (200, charge) if charge else missing("charge")
        if match := re.fullmatch(r"/v1/payment_intents/([\w]+)", path):
            intent = self.payment_intents.get(match[1])
            return (200, intent) if intent else missing("payment_intent")
        if match := re.fullmatch(r"/v1/subscriptions/([\w]+)", path):
            subscription = self.subscriptions.get(match[1])
            if subscription is None:
                return missing("subscription")
            return 200, self.expanded(subscription, params.get("expand") or [])
        if method == "GET" and path == "/v1/invoices":
            wanted_sub, wanted_status = params.get("subscription"), params.get("status")
            found = [
                invoice
                for invoice in reversed(self.invoices.values())  # newest first
                if wanted_sub in (None, invoice["parent"]["subscription_details"]["subscription"])
                and wanted_status in (None, invoice["status"])
            ]
            limit = int(params.get("limit") or 10)
            return 200, {
                "object": "list",
                "data": found[:limit],
                "has_more": len(found) > limit,
                "url": path,
            }
        if method == "POST" and path == "/v1/billing_portal/sessions":
            if params.get("customer") not in self.customers:
                return missing("customer")
            configuration = params.get("configuration")
            if configuration and configuration not in self.portal_configurations:
                return missing("configuration")
            portal_id = self.new_id("bps")
            portal = {
                "id": portal_id,
                "object": "billing_portal.session",
                "configuration": configuration or "bpc_default",
                "customer": params["customer"],
                "return_url": params.get("return_url"),
                "url": f"{self.base_url}/portal/{portal_id}",
            }
            self.portal_sessions[portal_id] = portal
            return 200, portal
        if path == "/v1/billing_portal/configurations":
            if method == "GET":
                data = [c for c in self.portal_configurations.values() if c["active"]]
                return 200, {"object": "list", "data": data, "has_more": False, "url": path}
            configuration = {
                "id": self.new_id("bpc"),
                "object": "billing_portal.configuration",
                "active": True,
                "is_default": False,
                "livemode": False,
                **params,
            }
            self.portal_configurations[configuration["id"]] = configuration
            return 200, configuration
        if match := re.fullmatch(r"/v1/billing_portal/configurations/([\w]+)", path):
            configuration = self.portal_configurations.get(match[1])
            if configuration is None:
                return missing("configuration")
            configuration.update(params)
            return 200, configuration
        if method == "GET" and path == "/v1/prices":
            keys = set(params.get("lookup_keys") or [])
            data = [p for p in self.prices.values() if p["lookup_key"] in keys and p["active"]]
            return 200, {"object": "list", "data": data, "has_more": False, "url": path}
        if method == "POST" and path == "/v1/prices":
            price = self.add_price(
                amount=int(params["unit_amount"]),
                lookup_key=params.get("lookup_key", ""),
                interval=(params.get("recurring") or {}).get("interval", "month"),
            )
            price.update(
                product=params["product"],
                currency=params.get("currency", "usd"),
                nickname=params.get("nickname"),
            )
            return 200, price
        if match := re.fullmatch(r"/v1/products/([\w-]+)", path):
            product = self.products.get(match[1])
            return (200, product) if product else missing("product")
        if method == "POST" and path == "/v1/products":
            product = {
                "id": params.get("id") or self.new_id("prod"),
                "object": "product",
                "name": params.get("name"),
            }
            self.products[product["id"]] = product
            return 200, product
        return missing(path)

    @staticmethod
    def _checkout_params_refused(mode: str, params: dict) -> str:
        """Why Stripe would refuse these Checkout Session parameters ("" if it would not): the
        rules the site's requests could break."""
        lines = params.get("line_items") or []
        if not lines:
            return "line_items is required"
        for line in lines:
            price_data = line.get("price_data")
            if bool(price_data) == bool(line.get("price")):
                return "Each line item needs exactly one of price or price_data."
            if price_data:
                if not price_data.get("currency") or "unit_amount" not in price_data:
                    return "price_data needs currency and unit_amount"
                if bool(price_data.get("product")) == bool(price_data.get("product_data")):
                    return "price_data needs exactly one of product or product_data"
                if mode == "subscription" and not price_data.get("recurring"):
                    return "A subscription's price_data needs recurring"
        if mode == "payment" and "subscription_data" in params:
            return "subscription_data can only be used in subscription mode"
        if mode == "subscription" and "payment_intent_data" in params:
            return "payment_intent_data can only be used in payment mode"
        return ""

    # --- pages a browser is sent to ------------------------------------------------------------
    def page(self, path: str) -> tuple[int, dict[str, str], str]:
        if match := re.fullmatch(r"/checkout/([\w]+)", path):
            session = self.sessions.get(match[1])
            if not session:
                return 404, {}, "No such checkout session"
            if session["status"] == "expired":
                html = (
                    "<!doctype html><html lang=en><title>Checkout</title>"
                    "<h1>This Checkout Session has expired</h1></html>"
                )
                return 200, {"Content-Type": "text/html"}, html
            if session["mode"] == "payment":
                self.complete_payment(session["id"])
            else:
                self.complete_checkout(session["id"])
            target = session["success_url"].replace("{CHECKOUT_SESSION_ID}", session["id"])
            return 303, {"Location": target}, ""
        if match := re.fullmatch(r"/portal/([\w]+)", path):
            portal = self.portal_sessions.get(match[1])
            if not portal:
                return 404, {}, "No such portal session"
            html = (
                f"<!doctype html><html lang=en><title>Billing portal</title>"
                f"<h1>Fake Stripe customer portal</h1><p>Customer {portal['customer']}</p>"
                f'<a href="{portal["return_url"]}">Return to Alpha Code</a></html>'
            )
            return 200, {"Content-Type": "text/html"}, html
        return 404, {}, "Not found"


def serve(fake: FakeStripe) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _respond(self, status: int, body: str, headers: dict[str, str]) -> None:
            data = body.encode()
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Request-Id", "req_fake")
            self.end_headers()
            self.wfile.write(data)

        def _api(self, method: str) -> None:
            url = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode() if length else ""
            params = decode_form(body if method == "POST" else url.query)
            headers = {k.lower(): v for k, v in self.headers.items()}
            fake.arrivals.append(url.path)
            if delay := fake.delays.get(url.path):
                time.sleep(delay)
            if not url.path.startswith("/v1/"):
                status, extra, html = fake.page(url.path)
                self._respond(status, html, extra)
                return
            if not headers.get("authorization", "").startswith("Bearer sk_test_"):
                status, payload = (
                    401,
                    {"error": {"type": "invalid_request_error", "message": "Invalid API key"}},
                )
            else:
                status, payload = fake.handle(method, url.path, params, headers)
            self._respond(status, json.dumps(payload), {"Content-Type": "application/json"})

        def do_GET(self) -> None:
            self._api("GET")

        def do_POST(self) -> None:
            self._api("POST")

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    fake.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    ).start()
    return server


def signed(payload: dict, secret: str, *, timestamp: int | None = None) -> tuple[bytes, str]:
    """A webhook body and its Stripe-Signature header, as Stripe would send them."""
    body = json.dumps(payload)
    header = stripe.WebhookSignature.generate_signature_header(body, secret, timestamp=timestamp)
    return body.encode(), header


def deliver_over_http(base_url: str, payload: dict, secret: str, *, timeout: float = 30) -> int:
    """POST a signed event to a running server's webhook endpoint, as Stripe does."""
    import urllib.request

    body, header = signed(payload, secret)
    request = urllib.request.Request(
        f"{base_url}/billing/webhook/",
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "Stripe-Signature": header},
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return response.status
