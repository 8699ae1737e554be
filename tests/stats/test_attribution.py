"""Which guides bring subscribers: the paywall's checkout form names its guide and each checkout
started from it is counted once; a subscription made through signed webhooks is attributed to
the last paywall its member saw in the 7 days before it started, and keeps that attribution
after a cancellation and a new subscription."""

from __future__ import annotations

import datetime as dt
import re
from http import HTTPStatus

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from accounts.models import User
from articles.models import Guide
from stats.counting import fold
from stats.figures import guide_rows
from stats.models import Attribution, CheckoutStart
from study.models import Reading

from ..conftest import new_subscription, signed_in
from ..factories import UserFactory, make_guide

pytestmark = pytest.mark.django_db

PREMIUM = [[("paragraph", "Free to read.")], [("paragraph", "For subscribers.")]]


@pytest.fixture
def premium() -> dict[str, Guide]:
    return {
        name: make_guide(
            slug=f"{name}-guide", title=f"The {name} guide", access="premium", sections=PREMIUM
        )
        for name in ("arrays", "graphs")
    }


def see_paywall(client: Client, guide: Guide) -> str:
    html = client.get(guide.get_absolute_url()).content.decode()
    assert 'id="paywall"' in html
    return html


def subscribe(fake, post_event, user: User) -> dict:
    sub = new_subscription(fake, user)
    assert post_event(fake.event("customer.subscription.created", sub)).status_code == 200
    return sub


def test_a_subscription_goes_to_the_last_paywall_seen_and_stays_there(
    premium, fake_stripe, post_event
) -> None:
    ada = UserFactory(email="ada@example.com")
    reader = signed_in(ada)
    see_paywall(reader, premium["arrays"])
    see_paywall(reader, premium["graphs"])  # the last one she saw
    first = subscribe(fake_stripe, post_event, ada)
    assert Attribution.objects.get(stripe_subscription_id=first["id"]).guide == premium["graphs"]
    # Subscribed, she reads the whole guide: no paywall.
    assert 'id="paywall"' not in reader.get(premium["arrays"].get_absolute_url()).content.decode()

    # She cancels, sees the arrays paywall again and subscribes again: the new subscription
    # follows arrays; the first still follows graphs.
    gone = fake_stripe.cancel_subscription(first["id"])
    post_event(fake_stripe.event("customer.subscription.deleted", gone))
    see_paywall(reader, premium["arrays"])  # the guide she was reading a moment ago
    second = subscribe(fake_stripe, post_event, ada)
    attributed = dict(Attribution.objects.values_list("stripe_subscription_id", "guide__slug"))
    assert attributed == {first["id"]: "graphs-guide", second["id"]: "arrays-guide"}

    rows = {row.title: row for row in guide_rows(30)}
    assert rows["The graphs guide"].subscriptions == 1
    assert rows["The arrays guide"].subscriptions == 1


def test_a_paywall_older_than_7_days_brings_no_one(premium, fake_stripe, post_event) -> None:
    bo = UserFactory(email="bo@example.com")
    see_paywall(signed_in(bo), premium["arrays"])
    Reading.objects.filter(user=bo).update(
        paywall_seen_at=timezone.now() - dt.timedelta(days=7, minutes=1)
    )
    sub = subscribe(fake_stripe, post_event, bo)
    attribution = Attribution.objects.get(stripe_subscription_id=sub["id"])
    assert attribution.guide is None
    assert all(row.subscriptions == 0 for row in guide_rows(90))


def test_checkouts_started_from_a_paywall_are_counted_once_each(
    premium, fake_stripe, staff
) -> None:
    cy = UserFactory(email="cy@example.com")
    reader = signed_in(cy)

    def paywall_form() -> dict[str, str]:
        """The paywall's checkout form as the page renders it: its hidden fields."""
        html = see_paywall(reader, premium["arrays"])
        pattern = r'<form method="post" action="/billing/checkout/">.*?</form>'
        (form,) = re.findall(pattern, html, re.S)
        return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form))

    def start(fields: dict[str, object]) -> None:
        response = reader.post("/billing/checkout/", fields)
        assert response.status_code == HTTPStatus.SEE_OTHER
        assert response["Location"].startswith(fake_stripe.base_url)

    form = paywall_form()
    # The form names its guide and has a token of its own.
    assert form["guide"] == str(premium["arrays"].pk)
    assert re.fullmatch(r"[0-9a-f]{32}", form["token"])
    start(form)
    start(form)  # the same form submitted twice: one checkout
    again = paywall_form()  # the page read again: a new form, a new checkout
    assert again["token"] != form["token"]
    start(again)
    # A minute later (a member starts at most a few checkouts a minute), from elsewhere:
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=1), tick=False):
        start({"token": "b" * 32})  # from the pricing page
        start({"guide": "junk"})  # anything but a guide's id
        start({"guide": 10**12})  # no such guide
    started = sorted(
        (guide or 0, user) for guide, user in CheckoutStart.objects.values_list("guide", "user")
    )
    assert started == [(0, cy.pk)] * 3 + [(premium["arrays"].pk, cy.pk)] * 2
    fold()  # the beat task's work: the paywall view reaches the table
    rows = {row.title: row for row in guide_rows(7)}
    # Members who started a checkout: cy twice from the arrays paywall counts once.
    assert (rows["The arrays guide"].checkouts, rows["The graphs guide"].checkouts) == (1, 0)
    other = signed_in(UserFactory(email="di@example.com"))
    html = see_paywall(other, premium["arrays"])
    (form,) = re.findall(r'<form method="post" action="/billing/checkout/">.*?</form>', html, re.S)
    other.post("/billing/checkout/", dict(re.findall(r'name="(\w+)" value="([^"]*)"', form)))
    assert {row.title: row for row in guide_rows(7)}["The arrays guide"].checkouts == 2
    assert rows["The arrays guide"].paywall_views == 2  # the page read twice above

    dashboard = signed_in(staff).get("/admin/?window=7&sort=checkouts").content.decode()
    assert 'aria-sort="descending">Checkouts started</th>' in dashboard
    arrays_row = dashboard.index("The arrays guide</a></th>")
    assert dashboard.index("The graphs guide</a></th>") > arrays_row  # most checkouts first
