"""The webhook endpoint and event processing, with the real SDK against the fake Stripe."""

from __future__ import annotations

import threading
import time
from http import HTTPStatus
from unittest import mock

import pytest
from django.db import OperationalError, close_old_connections, connection
from django.test import Client

from billing.events import event_process
from billing.models import Customer, StripeEvent, Subscription
from billing.webhooks import MAX_BODY_BYTES

from ..conftest import WEBHOOK_SECRET, new_subscription
from ..factories import UserFactory
from ..fake_stripe import signed

# --- rejections: 400 with a reason, nothing stored --------------------------------------------


@pytest.mark.django_db
def test_missing_signature_header_is_rejected(client: Client, fake_stripe) -> None:
    response = client.post(
        "/billing/webhook/", b'{"id": "evt_1", "type": "x"}', content_type="application/json"
    )
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json() == {"error": "missing Stripe-Signature header"}
    assert not StripeEvent.objects.exists()


@pytest.mark.django_db
def test_wrong_secret_is_rejected(post_event, fake_stripe) -> None:
    response = post_event({"id": "evt_1", "type": "invoice.paid"}, secret="whsec_wrong")
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json() == {"error": "signature does not match"}
    assert not StripeEvent.objects.exists()


@pytest.mark.django_db
def test_tampered_body_is_rejected(client: Client, fake_stripe) -> None:
    body, header = signed({"id": "evt_1", "type": "invoice.paid"}, WEBHOOK_SECRET)
    tampered = body.replace(b"invoice.paid", b"invoice.void")
    response = client.post(
        "/billing/webhook/", tampered, content_type="application/json", HTTP_STRIPE_SIGNATURE=header
    )
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json() == {"error": "signature does not match"}
    assert not StripeEvent.objects.exists()


@pytest.mark.django_db
def test_stale_timestamp_is_rejected(post_event, fake_stripe) -> None:
    response = post_event({"id": "evt_1", "type": "invoice.paid"}, timestamp=int(time.time()) - 301)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json() == {"error": "timestamp outside the tolerance zone"}
    assert not StripeEvent.objects.exists()


@pytest.mark.django_db
def test_malformed_signature_header_is_rejected(client: Client, fake_stripe) -> None:
    response = client.post(
        "/billing/webhook/", b"{}", content_type="application/json", HTTP_STRIPE_SIGNATURE="garbage"
    )
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert not StripeEvent.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("body", ["not json at all", "[1, 2]", '{"type": "x"}', '{"id": "evt"}'])
def test_signed_body_that_is_not_an_event_is_rejected(client, fake_stripe, body) -> None:
    import stripe

    header = stripe.WebhookSignature.generate_signature_header(body, WEBHOOK_SECRET)
    response = client.post(
        "/billing/webhook/",
        body.encode(),
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=header,
    )
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "error" in response.json()
    assert not StripeEvent.objects.exists()


@pytest.mark.django_db
def test_oversized_body_is_refused(client: Client, fake_stripe) -> None:
    payload = {"id": "evt_big", "type": "invoice.paid", "pad": "x" * (MAX_BODY_BYTES + 10)}
    body, header = signed(payload, WEBHOOK_SECRET)
    response = client.post(
        "/billing/webhook/", body, content_type="application/json", HTTP_STRIPE_SIGNATURE=header
    )
    assert response.status_code == HTTPStatus.REQUEST_ENTITY_TOO_LARGE
    assert not StripeEvent.objects.exists()


@pytest.mark.django_db
def test_get_is_not_allowed(client: Client) -> None:
    assert client.get("/billing/webhook/").status_code == HTTPStatus.METHOD_NOT_ALLOWED


# --- storing, duplicates, processing ---------------------------------------------------------


@pytest.mark.django_db
def test_valid_event_is_stored_once_and_processed(post_event, fake_stripe) -> None:
    user = UserFactory()
    sub = new_subscription(fake_stripe, user)
    event = fake_stripe.event("customer.subscription.created", sub)
    response = post_event(event)
    assert response.status_code == HTTPStatus.OK
    assert response.json() == {"received": True, "duplicate": False}
    stored = StripeEvent.objects.get()
    assert (stored.id, stored.type, stored.state, stored.attempts) == (
        event["id"],
        "customer.subscription.created",
        "processed",
        1,
    )
    local = Subscription.objects.get()
    assert (local.user, local.status, local.price_id, local.amount) == (
        user,
        "active",
        sub["items"]["data"][0]["price"]["id"],
        1900,
    )
    assert (
        int(local.current_period_end.timestamp()) == (sub["items"]["data"][0]["current_period_end"])
    )
    assert Customer.objects.get(user=user).stripe_customer_id == sub["customer"]


@pytest.mark.django_db
def test_duplicate_event_is_stored_and_processed_once(post_event, fake_stripe) -> None:
    user = UserFactory()
    event = fake_stripe.event("customer.subscription.created", new_subscription(fake_stripe, user))
    post_event(event)
    fetches = len(fake_stripe.requests)
    response = post_event(event)
    assert response.status_code == HTTPStatus.OK
    assert response.json()["duplicate"] is True
    assert StripeEvent.objects.count() == 1
    assert StripeEvent.objects.get().attempts == 1
    assert len(fake_stripe.requests) == fetches  # nothing re-fetched: nothing queued


@pytest.mark.django_db
def test_unhandled_event_types_are_stored_and_ignored(post_event, fake_stripe) -> None:
    post_event(fake_stripe.event("payout.paid", {"id": "po_1", "object": "payout"}))
    assert StripeEvent.objects.get().state == "ignored"


@pytest.mark.django_db
def test_updated_before_created_converges_to_stripes_state(post_event, fake_stripe) -> None:
    user = UserFactory()
    sub = new_subscription(fake_stripe, user, status="incomplete")
    created = fake_stripe.event("customer.subscription.created", sub)
    fake_stripe.update_subscription(sub["id"], status="active")
    updated = fake_stripe.event(
        "customer.subscription.updated", fake_stripe.subscriptions[sub["id"]]
    )
    post_event(updated)
    post_event(created)  # arrives late, carrying the old "incomplete" snapshot
    assert Subscription.objects.get().status == "active"


@pytest.mark.django_db
def test_late_updated_after_deleted_keeps_it_canceled(post_event, fake_stripe) -> None:
    user = UserFactory()
    sub = new_subscription(fake_stripe, user)
    updated = fake_stripe.event("customer.subscription.updated", sub)
    deleted = fake_stripe.event(
        "customer.subscription.deleted", fake_stripe.cancel_subscription(sub["id"])
    )
    post_event(deleted)
    post_event(updated)  # an older "active" snapshot, delivered last
    local = Subscription.objects.get()
    assert local.status == "canceled"
    assert local.ended_at is not None


@pytest.mark.django_db
def test_invoice_events_sync_the_subscription_named_by_parent(post_event, fake_stripe) -> None:
    user = UserFactory()
    sub = new_subscription(fake_stripe, user)
    post_event(fake_stripe.event("customer.subscription.created", sub))
    fake_stripe.update_subscription(sub["id"], status="past_due")
    post_event(
        fake_stripe.event("invoice.payment_failed", fake_stripe.invoice(sub["id"], status="open"))
    )
    assert Subscription.objects.get().status == "past_due"


@pytest.mark.django_db
def test_checkout_completed_maps_the_user_by_client_reference_id(post_event, fake_stripe) -> None:
    user = UserFactory()
    session = fake_stripe.handle(
        "POST",
        "/v1/checkout/sessions",
        {
            "mode": "subscription",
            "customer": "cus_new",
            "client_reference_id": str(user.pk),
            "line_items": [{"price": next(iter(fake_stripe.prices))}],
        },
        {},
    )[1]
    fake_stripe.complete_checkout(session["id"])
    post_event(fake_stripe.event("checkout.session.completed", fake_stripe.sessions[session["id"]]))
    assert Customer.objects.get(user=user).stripe_customer_id == "cus_new"
    assert Subscription.objects.get().user == user


@pytest.mark.django_db
def test_event_for_an_unknown_customer_is_logged_not_crashed(post_event, fake_stripe, caplog):
    sub = new_subscription(fake_stripe, UserFactory())
    fake_stripe.update_subscription(sub["id"], metadata={})
    response = post_event(fake_stripe.event("customer.subscription.updated", sub))
    assert response.status_code == HTTPStatus.OK
    assert StripeEvent.objects.get().state == "processed"
    assert not Subscription.objects.exists()
    assert "matches no user" in caplog.text


@pytest.mark.django_db
def test_processing_failure_is_recorded_on_the_event(post_event, fake_stripe) -> None:
    event = fake_stripe.event(
        "customer.subscription.updated", {"id": "sub_missing", "object": "subscription"}
    )
    assert post_event(event).status_code == HTTPStatus.OK
    stored = StripeEvent.objects.get()
    assert stored.state == "failed"
    assert "No such subscription" in stored.error


@pytest.mark.django_db
def test_stripe_unavailable_is_recorded_and_deferred_for_a_retry(fake_stripe) -> None:
    from billing.errors import EventDeferred

    user = UserFactory()
    sub = new_subscription(fake_stripe, user)
    StripeEvent.objects.create(
        id="evt_retry", type="customer.subscription.updated", payload=fake_stripe.event("x", sub)
    )
    fake_stripe.fail_next = [503, 503, 503]  # the SDK itself retries twice
    with pytest.raises(EventDeferred) as deferred:
        event_process(event_id="evt_retry")
    stored = StripeEvent.objects.get()
    assert stored.state == "pending"
    assert stored.error.startswith("will retry")
    assert stored.next_attempt_at == deferred.value.due > stored.received_at
    event_process(event_id="evt_retry")
    assert StripeEvent.objects.get().state == "processed"
    assert Subscription.objects.get().status == "active"


@pytest.mark.django_db
def test_event_that_cannot_be_stored_answers_503(post_event, fake_stripe) -> None:
    with mock.patch(
        "billing.webhooks.connection.cursor", side_effect=OperationalError("database is down")
    ):
        response = post_event({"id": "evt_down", "type": "invoice.paid"})
    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE


def run_together(call, count: int) -> tuple[list, list[BaseException]]:
    """Run `call` in `count` threads released at once; what they returned, what they raised.
    Each thread closes its own database connection."""
    barrier = threading.Barrier(count)
    results: list = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait()
            results.append(call())
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_deliveries_of_one_event_process_it_once(fake_stripe) -> None:
    user = UserFactory()
    sub = new_subscription(fake_stripe, user)
    payload = fake_stripe.event("customer.subscription.created", sub)
    StripeEvent.objects.create(id=payload["id"], type=payload["type"], payload=payload)
    _, errors = run_together(lambda: event_process(event_id=payload["id"]), 2)
    assert errors == []
    event = StripeEvent.objects.get()
    assert event.state == "processed"
    assert event.attempts == 1
    assert len(fake_stripe.requests_to("GET", f"/v1/subscriptions/{sub['id']}")) == 1
    assert Subscription.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_webhook_posts_of_one_event_store_one_row(fake_stripe) -> None:
    user = UserFactory()
    payload = fake_stripe.event(
        "customer.subscription.created", new_subscription(fake_stripe, user)
    )
    body, header = signed(payload, WEBHOOK_SECRET)

    def deliver() -> int:
        return (
            Client()
            .post(
                "/billing/webhook/",
                body,
                content_type="application/json",
                HTTP_STRIPE_SIGNATURE=header,
            )
            .status_code
        )

    answers, _ = run_together(deliver, 2)
    assert answers == [200, 200]
    assert StripeEvent.objects.count() == 1
    assert StripeEvent.objects.get().attempts == 1
    assert Subscription.objects.get().status == "active"


@pytest.mark.django_db(transaction=True)
def test_concurrent_syncs_of_a_new_subscription_store_one_row(fake_stripe) -> None:
    from billing.subscriptions import subscription_sync

    user = UserFactory()
    sub = new_subscription(fake_stripe, user)
    fake_stripe.delays[f"/v1/subscriptions/{sub['id']}"] = 0.3
    _, errors = run_together(lambda: subscription_sync(stripe_subscription_id=sub["id"]), 3)
    assert errors == []
    assert Subscription.objects.get().status == "active"
    # The syncs ran one after another (the lock), not interleaved.
    assert len(fake_stripe.requests_to("GET", f"/v1/subscriptions/{sub['id']}")) == 3
