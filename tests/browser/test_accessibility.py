"""axe-core in a real browser: no serious or critical violations on the pages readers use."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from accounts.models import User
from articles.models import Track
from gifts.links import redeem_path
from gifts.models import Gift
from practice.services import problem_files, problems_import
from study.models import Plan

from ..conftest import CONTENT
from ..factories import SubscriptionFactory, UserFactory
from .conftest import axe_violations, sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

PUBLIC = [
    "/",
    "/guides/",
    "/tracks/ml-ai-engineering/",
    "/pricing/",
    "/accounts/signup/",
    "/accounts/login/",
    "/search/?q=latency",
    "/accounts/password/reset/",
    "/problems/group-anagrams/",  # a premium problem's preview and its paywall
    "/problems/pair-with-target-sum/",  # a free problem: the editor and Run for a visitor
    "/patterns/hashing/",
    "/mocks/",
    "/gift/",
]
PROBLEMS = [
    CONTENT.parent / "problems" / f"{slug}.md"
    for slug in ("group-anagrams", "pair-with-target-sum")
]


@pytest.fixture(autouse=True)
def _problems(db) -> None:
    problems_import(problem_files(PROBLEMS))


def checked(page, site: str, path: str) -> list:
    """axe's violations on the page, once its scripts have built what they build (a problem's
    editor)."""
    page.goto(site + path)
    if path.startswith("/problems/") and page.locator("#runner").count():
        page.locator("#runner .cm-content").wait_for()
    return axe_violations(page)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_public_pages_and_the_guide_preview(site, new_page, seed_guide, scheme) -> None:
    page = new_page(color_scheme=scheme)
    found = {}
    for path in [*PUBLIC, seed_guide.get_absolute_url()]:
        found[path] = checked(page, site, path)
    problems = {path: v for path, v in found.items() if v}
    assert not problems, "\n".join(f"{p}: {v}" for p, v in problems.items())


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_subscriber_pages_and_the_full_guide(site, new_page, seed_guide, reader, scheme) -> None:
    SubscriptionFactory(user=reader)
    Plan.objects.create(
        user=reader, interview_date=timezone.localdate() + dt.timedelta(days=10)
    ).tracks.set(Track.objects.all())
    page = new_page(color_scheme=scheme)
    sign_in(page, reader, site)
    found = {}
    for path in [
        seed_guide.get_absolute_url(),
        "/account/",
        "/pricing/",
        "/accounts/password/change/",
        "/accounts/email/",
        "/progress/",
        "/drills/",
        "/plan/",
        "/problems/group-anagrams/",
        "/problems/group-anagrams/help/",
        "/mocks/",
    ]:
        if path == "/drills/":
            page.goto(site + path)
            page.get_by_text("Show answer").click()  # the answer and the grade buttons too
            found[path] = axe_violations(page)
            continue
        found[path] = checked(page, site, path)
    problems = {path: v for path, v in found.items() if v}
    assert not problems, "\n".join(f"{p}: {v}" for p, v in problems.items())


def a_gift(giver: User, state: str) -> Gift:
    return Gift.objects.create(
        giver=giver,
        recipient_email="friend@example.com",
        message="Good luck!",
        months=3,
        amount=5700,
        state=state,
        form_token=state.ljust(32, "0"),
        paid_at=timezone.now(),
    )


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_gift_pages(site, new_page, reader, settings, scheme) -> None:
    # The form shows once payments are configured; a refused form never reaches Stripe.
    settings.STRIPE_SECRET_KEY, settings.STRIPE_PRICE_ID = "sk_test_axe", "price_axe"
    SubscriptionFactory(user=reader, current_period_end=timezone.now() + dt.timedelta(days=9))
    giver = UserFactory(name="Grace Hopper")
    paid, void = a_gift(giver, "paid"), a_gift(giver, "void")
    page = new_page(color_scheme=scheme)
    found = {"visitor redeem": checked(page, site, redeem_path(paid))}
    sign_in(page, reader, site)
    found["gift form"] = checked(page, site, "/gift/")
    page.get_by_label("Their email address").fill("not an email")
    page.get_by_role("radio", name="On a day you choose").check()
    page.get_by_label("The day (if on a day you choose)").fill("2000-01-01")
    page.get_by_role("button", name="Continue to payment").click()
    page.get_by_text("That day has passed").wait_for()
    found["gift form refused"] = axe_violations(page)
    found["subscriber redeem"] = checked(page, site, redeem_path(paid))
    found["void redeem"] = checked(page, site, redeem_path(void))
    found["link not valid"] = checked(page, site, "/gift/redeem/1:forged/")
    problems = {path: v for path, v in found.items() if v}
    assert not problems, "\n".join(f"{p}: {v}" for p, v in problems.items())
