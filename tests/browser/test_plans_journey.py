"""The ways to pay, in a real browser, as buyers meet them: the annual plan with its first week
free, three months given to a friend who redeems them, five seats bought for a team, and the
owner reading each on the dashboard. Checkout is the fake Stripe's page; the real SDK talks to
it over HTTP, and each return page syncs what Stripe made at once."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from gifts.models import Gift
from teams.models import Team

from ..factories import UserFactory
from ..helpers import PASSWORD, code_from
from .conftest import sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def annual(fake_stripe, settings) -> dict:
    price = fake_stripe.add_price(amount=19000, lookup_key="alphacode-annual", interval="year")
    settings.STRIPE_ANNUAL_PRICE_ID = price["id"]
    return price


def sign_up(page, site: str, email: str, *, next_path: str = "/") -> None:
    """Create an account on the site's form and confirm it with the emailed code."""
    page.goto(f"{site}/accounts/signup/?next={next_path}")
    page.fill("input[name=email]", email)
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    page.get_by_role("button", name=re.compile("Sign Up", re.I)).click()
    page.wait_for_url(re.compile(r"/accounts/confirm-email/"))
    page.fill("input[name=code]", code_from(mail.outbox[-1]))
    page.get_by_role("button", name=re.compile("Confirm", re.I)).click()
    page.wait_for_load_state()


def test_annual_with_a_trial_a_gift_and_five_seats_each_reach_the_owners_dashboard(
    site, new_page, seed_guide, fake_stripe, annual
) -> None:
    guide_url = site + seed_guide.get_absolute_url()

    # 1. Ada chooses the annual plan; her first week is free.
    ada = new_page()
    sign_up(ada, site, "ada@example.com", next_path="/pricing/")
    ada.goto(site + "/pricing/")
    ada.get_by_role("button", name="Start 7 days free, then $190/year").click()
    ada.wait_for_url(re.compile(r"/billing/success/\?session_id=cs_"))
    ada.goto(site + "/account/")
    account = ada.locator("main").inner_text()
    assert "Alpha Code annual ($190/year)" in account
    assert "Free trial until" in account
    ada.goto(guide_url)
    assert ada.locator("#paywall").count() == 0

    # 2. Ada gives three months to a friend, sent as soon as she has paid.
    ada.goto(site + "/gift/")
    ada.get_by_label("3 months, $57").check()
    ada.get_by_label("Their email address").fill("friend@example.com")
    ada.get_by_label("As soon as you have paid").check()
    ada.get_by_role("button", name="Continue to payment").click()
    ada.wait_for_url(re.compile(r"/gift/thanks/\?session_id=cs_"))
    (gift,) = Gift.objects.all()
    assert gift.state == Gift.State.PAID
    (received,) = [m for m in mail.outbox if m.to == ["friend@example.com"]]
    link = re.search(r"https?://\S+/gift/redeem/\S+/", received.body)
    assert link, received.body

    # The friend follows the link, creates an account on the way, and redeems it.
    friend = new_page()
    friend.goto(link[0])
    friend.get_by_role("link", name="Create an account").click()
    friend.fill("input[name=email]", "friend@example.com")
    friend.fill("input[name=password1]", PASSWORD)
    friend.fill("input[name=password2]", PASSWORD)
    friend.get_by_role("button", name=re.compile("Sign Up", re.I)).click()
    friend.wait_for_url(re.compile(r"/accounts/confirm-email/"))
    friend.fill("input[name=code]", code_from(mail.outbox[-1]))
    friend.get_by_role("button", name=re.compile("Confirm", re.I)).click()
    friend.wait_for_url(re.compile(r"/gift/redeem/"))
    friend.get_by_role("button", name="Redeem 3 months as friend@example.com").click()
    friend.wait_for_load_state()
    friend.goto(guide_url)
    assert friend.locator("#paywall").count() == 0
    gift.refresh_from_db()
    assert gift.state == Gift.State.REDEEMED
    ada.goto(site + "/account/")
    assert "friend@example.com" in ada.locator("main").inner_text()

    # 3. Ben buys five seats for his team, monthly, and invites a colleague.
    ben = new_page()
    sign_up(ben, site, "ben@example.com", next_path="/teams/")
    ben.goto(site + "/teams/")
    ben.get_by_label("Team name").fill("Platform")
    ben.get_by_label("Number of seats").fill("5")
    ben.get_by_label("Monthly, $19 a seat").check()
    ben.get_by_role("button", name="Continue to payment").click()
    ben.wait_for_url(re.compile(r"/teams/"))
    ben.get_by_label("Email addresses").fill("carol@example.com")
    ben.get_by_role("button", name="Send invites").click()
    ben.wait_for_load_state()
    team_page = ben.locator("main").inner_text()
    assert "Platform" in team_page
    assert re.search(r"Paid\s+5", team_page), team_page
    team = Team.objects.get()
    assert team.subscription is not None
    assert team.subscription.quantity == 5
    # The seats are the team's, not Ben's own plan.
    ben.goto(guide_url)
    assert ben.locator("#paywall").is_visible()

    # 4. The owner reads each on the dashboard.
    owner = new_page()
    sign_in(owner, UserFactory(is_staff=True, is_superuser=True), site)
    owner.goto(site + "/admin/")
    now = owner.locator("#dashboard-now").inner_text()
    assert re.search(r"from annual plans \(a twelfth of each year\)\s+\$15\.83", now), now
    assert re.search(r"from team seats\s+\$95\.00", now), now
    assert re.search(r"Trialing\s+1", now), now
    assert re.search(r"their seats, paid and taken\s+5 paid, 0 taken", now), now
    period = owner.locator("main").inner_text()
    assert re.search(r"Gifts sold\s+1", period), period
    assert re.search(r"Gifts redeemed\s+1", period), period
