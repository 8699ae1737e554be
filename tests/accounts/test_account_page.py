"""/account/: email, plan, billing status in words, Manage billing, sign out."""

from __future__ import annotations

import datetime as dt
from http import HTTPStatus

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from billing.models import ComplimentaryAccess, Subscription

from ..factories import UserFactory, subscribe

END = dt.datetime(2026, 12, 12, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def member(client: Client, db):
    user = UserFactory(email="member@example.com")
    client.force_login(user)
    return user


STATUSES = [
    ({"status": "active"}, "Active, renews 12 Dec 2026", True),
    ({"status": "active", "cancel_at_period_end": True}, "Ends on 12 Dec 2026", True),
    (
        {"status": "past_due", "payment_failed_at": END - dt.timedelta(days=2)},
        "Your payment failed on 10 Dec 2026; access continues until 17 Dec 2026",
        True,
    ),
    (
        {"status": "past_due", "payment_failed_at": END - dt.timedelta(days=30)},
        "Your access is paused: your payment failed; update your card",
        True,
    ),
    ({"status": "trialing"}, "Free trial until 12 Dec 2026, first payment then", True),
    ({"status": "canceled", "ended_at": END}, "Canceled on 12 Dec 2026", False),
    ({"status": "unpaid"}, "Your access is paused: your payment failed; update your card", False),
]


@pytest.mark.parametrize(
    ("fields", "words", "subscribed"),
    STATUSES,
    ids=[
        "active",
        "active-ending",
        "past_due-in-grace",
        "past_due-paused",
        "trialing",
        "canceled",
        "unpaid",
    ],
)
def test_status_in_words(client: Client, member, fields, words, subscribed, settings) -> None:
    settings.TIME_ZONE = "UTC"
    subscribe(member, **{"current_period_end": END, **fields})
    with time_machine.travel(END - dt.timedelta(days=1), tick=False):
        html = client.get("/account/").content.decode()
    assert "member@example.com" in html
    assert words in html
    assert "Manage billing" in html
    assert ("Alpha Code monthly" in html) is subscribed
    assert ('href="/pricing/"' in html and "Subscribe for" in html) is not subscribed


def test_no_subscription_offers_to_subscribe(client: Client, member) -> None:
    html = client.get("/account/").content.decode()
    assert "No subscription" in html
    assert "Subscribe for $19/month" in html
    assert "Manage billing" not in html
    assert 'action="/accounts/logout/"' in html


def test_complimentary_access_shows_on_the_account_page(client: Client, member) -> None:
    ComplimentaryAccess.objects.create(user=member, expires_at=END)
    html = client.get("/account/").content.decode()
    assert "Complimentary access until 12 Dec 2026" in html


def test_account_page_needs_sign_in(client: Client) -> None:
    response = client.get("/account/")
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
def test_staff_grant_complimentary_access_in_admin(staff_client) -> None:
    reader = UserFactory(email="friend@example.com")
    response = staff_client.post(
        "/admin/billing/complimentaryaccess/add/",
        {
            "user": reader.pk,
            "expires_at_0": "2026-12-12",
            "expires_at_1": "09:00:00",
            "reason": "Conference speaker",
        },
    )
    assert response.status_code == HTTPStatus.FOUND
    grant = ComplimentaryAccess.objects.get(user=reader)
    assert grant.granted_by.email == "ops@example.com"


@pytest.mark.django_db
def test_editors_cannot_reach_billing(editor_client: Client) -> None:
    for url in (
        "/admin/billing/subscription/",
        "/admin/billing/stripeevent/",
        "/admin/billing/customer/",
        "/admin/billing/complimentaryaccess/",
    ):
        assert editor_client.get(url).status_code == HTTPStatus.FORBIDDEN, url


@pytest.mark.django_db
def test_operators_reprocess_a_failed_event_from_admin(staff_client, fake_stripe) -> None:
    from billing.models import StripeEvent

    user = UserFactory()
    price = next(iter(fake_stripe.prices.values()))
    sub = fake_stripe.subscription_object(
        customer="cus_1", price=price, metadata={"user_id": str(user.pk)}
    )
    StripeEvent.objects.create(
        id="evt_failed",
        type="customer.subscription.updated",
        payload=fake_stripe.event("x", sub),
        state="failed",
        error="No such subscription",
    )
    fake_stripe.subscriptions[sub["id"]] = sub  # Stripe knows it now
    staff_client.post(
        "/admin/billing/stripeevent/", {"action": "reprocess", "_selected_action": ["evt_failed"]}
    )
    assert StripeEvent.objects.get().state == "processed"
    assert Subscription.objects.get().user == user
    page = staff_client.get("/admin/billing/stripeevent/evt_failed/change/")
    assert page.status_code == HTTPStatus.OK
    assert "customer.subscription.updated" in page.content.decode()


@pytest.mark.django_db
def test_moving_complimentary_access_takes_it_from_the_old_holder_at_once(staff_client) -> None:
    import datetime as dt

    from django.test import TestCase

    from billing.entitlements import can_read_premium

    first, second = UserFactory(), UserFactory()
    grant = ComplimentaryAccess.objects.create(
        user=first, expires_at=timezone.now() + dt.timedelta(days=5)
    )
    assert can_read_premium(first)  # remembered for a while
    with TestCase.captureOnCommitCallbacks(execute=True):
        staff_client.post(
            f"/admin/billing/complimentaryaccess/{grant.pk}/change/",
            {
                "user": second.pk,
                "expires_at_0": "2026-12-12",
                "expires_at_1": "09:00:00",
                "reason": "moved",
            },
        )
    from accounts.models import User

    # Each a new request: fresh user objects.
    assert not can_read_premium(User.objects.get(pk=first.pk))
    assert can_read_premium(User.objects.get(pk=second.pk))
