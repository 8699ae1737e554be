"""The owner's dashboard on the admin home, in a real browser: revenue and members now, the
weekly charts and table, trials and why members cancelled, a visitor's views of a guide and its
paywall counted and folded into the guides table, the charts' weeks and scale written as text
the owner reads without hovering, "No data yet" on a fresh site, no serious axe-core violation
(light and dark), and screenshots under artifacts/."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import User
from billing.models import ComplimentaryAccess, Subscription
from stats.counting import fold
from stats.models import SubscriptionChange
from study.models import Reading

from ..factories import UserFactory, make_guide
from .conftest import axe_violations, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db]


def test_the_dashboard_in_a_browser(page, site) -> None:
    for n, status in enumerate(["active", "active", "trialing", "past_due"]):
        Subscription.objects.create(
            user=UserFactory(),
            stripe_subscription_id=f"sub_{n}",
            stripe_customer_id=f"cus_{n}",
            status=status,
            monthly_amount=1900,
            # Past due since yesterday: within the grace period, so still a paying reader.
            payment_failed_at=timezone.now() - dt.timedelta(days=1)
            if status == "past_due"
            else None,
        )
    # Their history: one started each of the last weeks, the second one ended last week.
    for n in range(4):
        SubscriptionChange.objects.create(
            stripe_subscription_id=f"sub_{n}",
            kind="started",
            at=timezone.now() - dt.timedelta(weeks=5 - n),
        )
    SubscriptionChange.objects.create(
        stripe_subscription_id="sub_1", kind="ended", at=timezone.now() - dt.timedelta(weeks=1)
    )
    # Cancelled in the Customer Portal last week, saying why.
    Subscription.objects.create(
        user=UserFactory(email="left@example.com"),
        stripe_subscription_id="sub_left",
        stripe_customer_id="cus_left",
        status="canceled",
        canceled_at=timezone.now() - dt.timedelta(weeks=1),
        cancellation_feedback="too_expensive",
        cancellation_comment="Back when I am hired.",
    )
    ComplimentaryAccess.objects.create(
        user=UserFactory(), expires_at=timezone.now() + dt.timedelta(days=3)
    )
    for n, title in enumerate(["Two pointers", "Rate limiter", "Fine-tuning or prompting"]):
        guide = make_guide(slug=f"guide-{n}", title=title, access="premium")
        for reader in UserFactory.create_batch(3 - n):
            Reading.objects.create(user=reader, guide=guide)
    # A visitor reads the last guide's preview twice; beat's task folds the counts.
    for _ in range(2):
        page.goto(f"{site}{guide.get_absolute_url()}")
        assert page.locator("#paywall").is_visible()
    assert fold() == 4  # two views, two paywall views
    owner = User.objects.create(email="owner@example.com", is_staff=True)
    owner.user_permissions.add(Permission.objects.get(codename="view_dashboard"))
    sign_in(page, owner, site)
    page.goto(f"{site}/admin/")
    table = page.locator("#dashboard-now table")
    assert table.is_visible()
    assert "$76.00" in table.inner_text()
    assert page.locator("#dashboard-weeks svg.dashboard-chart").count() == 2
    # Each week under its bar and the scale beside them: text on the page, not tooltips.
    mrr = page.locator("#dashboard-weeks svg.dashboard-chart").first
    weeks = mrr.locator("text.dashboard-chart-week")
    expect(weeks).to_have_count(12)
    monday = timezone.now().date() - dt.timedelta(days=timezone.now().weekday())
    expect(weeks.last).to_be_visible()
    expect(weeks.last).to_have_text(f"{monday.day} {monday:%b}")
    scale = mrr.locator("text.dashboard-chart-scale")
    expect(scale).to_have_text(["$76", "$0"])  # the most in a week (four at $19), and zero
    expect(scale.first).to_be_visible()
    assert page.locator("#dashboard-weeks text", has_text="No data yet").count() == 0
    assert page.locator("#dashboard-weeks tbody tr").count() == 12
    # Mock interviews: requests and bookings, rounds held, time to match, 12 weeks of each.
    assert page.locator("#dashboard-mocks svg.dashboard-chart").count() == 3
    assert page.locator("#dashboard-mocks tbody tr").count() == 12
    # No mock interview yet: those charts say so.
    expect(page.locator("#dashboard-mocks text", has_text="No data yet")).to_have_count(3)
    assert page.locator("#dashboard-guides tbody tr").count() == 3
    # Trials, gifts and why members cancelled, with their comments.
    assert page.locator("#dashboard-period").is_visible()
    reasons = page.locator("#dashboard-reasons tbody tr", has_text="Too expensive")
    assert reasons.locator("td").inner_text() == "1"
    assert "Back when I am hired." in page.locator("#dashboard-comments").inner_text()
    cells = page.locator("#dashboard-guides tbody tr", has_text="Fine-tuning or prompting")
    # Readers (one signed-in reader and two visitors' views), then paywall views.
    assert cells.locator("td").nth(0).inner_text() == "3"
    assert cells.locator("td").nth(1).inner_text() == "2"
    assert axe_violations(page) == []
    screenshot(page, "admin-dashboard")


def legible(page, locator) -> bool:
    """Whether the chart's text is drawn in the page's text colour (light or dark theme)."""
    fill = locator.evaluate("e => getComputedStyle(e).fill")
    body = page.evaluate("getComputedStyle(document.body).color")
    return fill == body


def test_a_fresh_site_shows_no_data_yet_on_every_chart(page, site) -> None:
    owner = User.objects.create(email="owner@example.com", is_staff=True)
    owner.user_permissions.add(Permission.objects.get(codename="view_dashboard"))
    sign_in(page, owner, site)
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        page.goto(f"{site}/admin/")
        empty = page.locator("svg.dashboard-chart text.dashboard-chart-empty-title")
        expect(empty).to_have_count(5)
        expect(empty.first).to_be_visible()
        expect(empty.first).to_have_text("No data yet")
        when = page.locator("#dashboard-weeks text.dashboard-chart-empty-when").first
        expect(when).to_have_text("This week's bar appears as soon as the first reader subscribes.")
        assert legible(page, empty.first), scheme
        # No bars and no scale: nothing to hover.
        assert page.locator("svg.dashboard-chart rect").count() == 0
        assert axe_violations(page) == [], scheme
        screenshot(page, f"admin-dashboard-empty-{scheme}")
