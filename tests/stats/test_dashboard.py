"""The owner's dashboard, revenue and members now: from subscriptions made through signed
webhooks (every status, a coupon, set to cancel), on the admin home of staff who hold
`view_dashboard` and of no one else."""

from __future__ import annotations

import datetime as dt
from http import HTTPStatus

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from accounts.models import User
from billing.models import ComplimentaryAccess, Subscription
from billing.subscriptions import monthly_amount
from stats.figures import now_figures

from ..conftest import new_subscription, signed_in
from ..factories import UserFactory

pytestmark = pytest.mark.django_db


def subscribed(fake, post_event, email: str, status: str = "active", **changes) -> dict:
    """A subscription Stripe announces by a signed webhook, as it would."""
    user = UserFactory(email=email)
    sub = new_subscription(fake, user, status=status)
    if "coupon" in changes:
        fake.apply_coupon(sub["id"], changes.pop("coupon"))
    if changes:
        sub = fake.update_subscription(sub["id"], **changes)
    post_event(fake.event("customer.subscription.created", sub))
    return sub


@pytest.fixture
def subscribers(fake_stripe, post_event) -> dict[str, dict]:
    half = fake_stripe.add_coupon(percent_off=50)
    five_off = fake_stripe.add_coupon(amount_off=500)
    subs = {
        name: subscribed(fake_stripe, post_event, f"{name}@example.com", **kwargs)
        for name, kwargs in {
            "active": {},
            "half": {"coupon": half},  # $9.50 a month
            "five-off": {"coupon": five_off},  # $14.00 a month
            "trialing": {"status": "trialing"},
            "past-due": {"status": "past_due"},
            "leaving": {"cancel_at_period_end": True},
            "gone": {},
        }.items()
    }
    gone = fake_stripe.cancel_subscription(subs["gone"]["id"])
    post_event(fake_stripe.event("customer.subscription.deleted", gone))
    guest = UserFactory(email="guest@example.com")
    ComplimentaryAccess.objects.create(
        user=guest, expires_at=timezone.now() + dt.timedelta(days=30)
    )
    UserFactory(email="reader@example.com")  # a member, nothing more
    return subs


def test_mrr_and_members_now(subscribers) -> None:
    figures = now_figures()
    # Every subscription that gives access, at what it brings in a month (coupons taken off):
    # active, half, five-off, trialing, past due and leaving; not the canceled one.
    assert figures.mrr == 1900 + 950 + 1400 + 1900 + 1900 + 1900
    assert (figures.active, figures.trialing, figures.past_due, figures.set_to_cancel) == (
        3,
        1,
        1,
        1,
    )
    assert figures.subscribers == 6
    assert figures.complimentary == 1
    assert figures.without_subscription == 2  # gone@ and reader@ (staff are not counted)


def test_a_status_change_moves_the_figures(subscribers, fake_stripe, post_event) -> None:
    recovered = fake_stripe.update_subscription(subscribers["past-due"]["id"], status="active")
    post_event(fake_stripe.event("customer.subscription.updated", recovered))
    ended = fake_stripe.cancel_subscription(subscribers["trialing"]["id"])
    post_event(fake_stripe.event("customer.subscription.deleted", ended))
    figures = now_figures()
    assert (figures.active, figures.trialing, figures.past_due) == (4, 0, 0)
    assert figures.mrr == 1900 + 950 + 1400 + 1900 + 1900


def test_monthly_amount_of_other_prices() -> None:
    def sub(amount: int, interval: str, count: int = 1, quantity: int = 1, **coupon) -> dict:
        price = {
            "unit_amount": amount,
            "recurring": {"interval": interval, "interval_count": count},
        }
        discounts = [{"source": {"type": "coupon", "coupon": coupon}}] if coupon else []
        return {"items": {"data": [{"price": price, "quantity": quantity}]}, "discounts": discounts}

    assert monthly_amount(sub(1900, "month")) == 1900
    assert monthly_amount(sub(19000, "year")) == 1583  # a twelfth, to the cent
    assert monthly_amount(sub(5400, "month", count=3)) == 1800
    assert monthly_amount(sub(1900, "month", quantity=2)) == 3800
    assert monthly_amount(sub(19000, "year", amount_off=1200)) == 1483  # off each yearly invoice
    assert monthly_amount(sub(1900, "month", percent_off=100)) == 0
    assert monthly_amount(sub(1900, "month", amount_off=5000)) == 0  # never below nothing
    # A discount whose coupon was not expanded cannot be applied: the price stands.
    assert monthly_amount({**sub(1900, "month"), "discounts": ["di_1"]}) == 1900


def test_the_dashboard_is_on_the_admin_home_only_with_the_permission(
    subscribers, editor, staff, client, django_assert_max_num_queries
) -> None:
    owner = User.objects.create(email="owner@example.com", is_staff=True)
    owner.user_permissions.add(Permission.objects.get(codename="view_dashboard"))
    page = signed_in(owner).get("/admin/")
    assert page.status_code == HTTPStatus.OK
    html = page.content.decode()
    assert "Revenue and members now" in html
    assert "$99.50" in html
    assert "Set to cancel at the period’s end</th><td>1</td>" in html
    # A superuser holds every permission; an editor holds none of it.
    assert "Revenue and members now" in signed_in(staff).get("/admin/").content.decode()
    assert "Revenue and members now" not in signed_in(editor).get("/admin/").content.decode()
    # Visitors are sent to sign in.
    assert client.get("/admin/").status_code == HTTPStatus.FOUND
    owner_client = signed_in(owner)
    # Two of them count the mock interviews' weeks (stats.figures.mock_weekly), three the
    # period's trials now, cancellations by reason and the latest comments (period_figures).
    with django_assert_max_num_queries(21):
        owner_client.get("/admin/")


def test_the_admin_home_with_the_dashboard_is_valid_html(subscribers, staff) -> None:
    from study.models import Reading

    from ..factories import make_guide
    from ..test_valid_html import vnu_errors

    Reading.objects.create(user=staff, guide=make_guide(slug="read-one", title="Read one"))
    # A comment left when cancelling, shown in its own table.
    Subscription.objects.filter(stripe_subscription_id=subscribers["gone"]["id"]).update(
        canceled_at=timezone.now(),
        cancellation_feedback="unused",
        cancellation_comment="Got the job.\nThanks!",
    )

    html = signed_in(staff).get("/admin/").content.decode()
    assert "Revenue and members now" in html
    assert "Got the job.<br>Thanks!" in html
    assert vnu_errors({"admin home with the dashboard": html}) == []


def test_mrr_counts_an_annual_plan_as_a_twelfth_of_its_price(fake_stripe, post_event) -> None:
    annual = fake_stripe.add_price(amount=19000, lookup_key="alphacode-annual", interval="year")
    for email in ("month-1@example.com", "month-2@example.com"):
        subscribed(fake_stripe, post_event, email)
    yearly = subscribed(fake_stripe, post_event, "year@example.com")
    item = fake_stripe.subscriptions[yearly["id"]]["items"]["data"][0]
    item["price"] = annual  # switched to annual (in the Customer Portal)
    post_event(
        fake_stripe.event("customer.subscription.updated", fake_stripe.subscriptions[yearly["id"]])
    )
    figures = now_figures()
    assert figures.mrr == 1900 + 1900 + 1583  # $190 / 12, to the cent
    assert figures.active == 3
