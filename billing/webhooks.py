"""The Stripe webhook endpoint: verify the signature, store the event once, queue its
processing after commit, answer at once. Nothing else happens here."""

from __future__ import annotations

import json
import logging

from django.conf import settings
from django.db import DatabaseError, DataError, connection, transaction
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from . import stripe_gateway as gateway
from .models import StripeEvent
from .tasks import process_stripe_event

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 256 * 1024


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def _reject(reason: str, status: int = 400) -> JsonResponse:
    logger.warning("webhook rejected: %s", reason)
    return JsonResponse({"error": reason}, status=status)


def event_record(*, event_id: str, event_type: str, payload: dict) -> bool:
    """Store the event once by its id and queue its processing after commit. Returns False
    for a duplicate delivery, which queues nothing."""
    table = StripeEvent._meta.db_table
    now = timezone.now()
    # One statement, atomic by itself: a duplicate is skipped by the database, not by an
    # exception, so nothing has to be rolled back and the request stays one round trip.
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} "
            "(id, type, payload, state, received_at, next_attempt_at, attempts, error) "
            "VALUES (%s, %s, %s, %s, %s, %s, 0, '') ON CONFLICT (id) DO NOTHING RETURNING id",
            [event_id, event_type, json.dumps(payload), StripeEvent.State.PENDING, now, now],
        )
        created = cursor.fetchone() is not None
    if created:
        # robust: if the broker is down the event is still stored (and answered 200); the beat
        # sweep re-queues events whose attempt is overdue.
        transaction.on_commit(
            lambda: process_stripe_event.delay(event_id, now.isoformat()), robust=True
        )
    return created


@csrf_exempt
@require_POST
def webhook(request: HttpRequest) -> JsonResponse:
    if not settings.STRIPE_WEBHOOK_SECRET:
        return _reject("webhooks are not configured", status=503)
    length = request.META.get("CONTENT_LENGTH") or "0"
    if not length.isdigit() or int(length) > MAX_BODY_BYTES:
        return _reject("body too large", status=413)
    body = request.body
    header = request.headers.get("Stripe-Signature")
    if not header:
        return _reject("missing Stripe-Signature header")
    try:
        gateway.webhook_verify(body, header, settings.STRIPE_WEBHOOK_SECRET)
    except gateway.WebhookSignatureError as exc:
        return _reject(str(exc))
    try:
        payload = json.loads(body, parse_constant=_reject_constant)
    except ValueError:
        return _reject("body is not JSON")
    if b"\\u0000" in body:
        # Postgres cannot store NUL in JSON text; Stripe never sends it.
        return _reject("body contains a NUL character")
    if not isinstance(payload, dict):
        return _reject("body is not a JSON object")
    event_id, event_type = payload.get("id"), payload.get("type")
    if not isinstance(event_id, str) or not event_id or len(event_id) > 255:
        return _reject("event has no id")
    if not isinstance(event_type, str) or not event_type or len(event_type) > 100:
        return _reject("event has no type")
    try:
        created = event_record(event_id=event_id, event_type=event_type, payload=payload)
    except DataError:
        return _reject("event cannot be stored as given")
    except DatabaseError:
        logger.exception("webhook %s could not be stored", event_id)
        # 5xx makes Stripe retry the delivery later.
        return JsonResponse({"error": "event could not be stored"}, status=503)
    return JsonResponse({"received": True, "duplicate": not created})
