"""Journeys in a real browser: a visitor becomes a subscriber, a subscriber manages billing and
cancels, an editor publishes a guide that visitors then find."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from articles.models import Guide
from billing.models import Subscription

from ..conftest import WEBHOOK_SECRET
from ..fake_stripe import deliver_over_http
from ..helpers import PASSWORD, code_from
from .conftest import screenshot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def send_webhook(site: str, payload: dict) -> int:
    return deliver_over_http(site, payload, WEBHOOK_SECRET)


def test_visitor_subscribes_reads_everything_then_cancels(site, page, seed_guide, fake_stripe):
    guide_title = seed_guide.title
    # Home → library → a premium guide.
    page.goto(site + "/")
    page.get_by_role("link", name="Browse the library").first.click()
    page.get_by_role("link", name=guide_title).click()
    assert page.locator("h1").inner_text() == guide_title
    toc = page.locator("nav.toc li")
    assert toc.count() == 6
    assert page.locator("nav.toc li.locked").count() == 5
    assert page.locator("section.guide-section").count() == 1
    paywall = page.locator("#paywall")
    assert paywall.is_visible()
    assert "$19" in paywall.inner_text()

    # Sign up, and confirm with the emailed code.
    paywall.get_by_role("link", name="Create your account").click()
    page.fill("input[name=email]", "ada@example.com")
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    page.get_by_role("button", name=re.compile("Sign Up", re.I)).click()
    page.wait_for_url(re.compile(r"/accounts/confirm-email/"))
    page.fill("input[name=code]", code_from(mail.outbox[-1]))
    page.get_by_role("button", name=re.compile("Confirm", re.I)).click()
    page.wait_for_load_state()

    # Pricing → Subscribe → (fake) Stripe Checkout → back to the success page.
    page.goto(site + "/pricing/")
    # A first subscription: the monthly plan, its first week free.
    page.get_by_role("button", name="Start 7 days free, then $19/month").click()
    page.wait_for_url(re.compile(r"/billing/success/\?session_id=cs_"))
    assert "You’re in" in page.locator("h1").inner_text()
    (session,) = fake_stripe.sessions.values()
    assert session["client_reference_id"] == str(Subscription.objects.get().user_id)
    # Stripe's webhook arrives too; the state it brings is the same.
    assert send_webhook(site, fake_stripe.event("checkout.session.completed", session)) == 200

    # The whole guide, every section visible.
    page.goto(site + seed_guide.get_absolute_url())
    assert page.locator("section.guide-section").count() == 6
    assert page.locator("#paywall").count() == 0
    for section in page.locator("section.guide-section").all():
        assert section.is_visible()

    # The account page shows the plan and the trial's end; Manage billing opens the portal.
    page.goto(site + "/account/")
    account = page.locator("main").inner_text()
    assert "Alpha Code monthly ($19/month)" in account
    ends = Subscription.objects.get().trial_end
    assert f"Free trial until {ends.day} {ends:%b %Y}, first payment then" in account
    page.get_by_role("button", name="Manage billing").click()
    page.wait_for_url(re.compile(r"/portal/bps_"))
    assert "Fake Stripe customer portal" in page.content()
    page.get_by_role("link", name="Return to Alpha Code").click()
    page.wait_for_url(re.compile(r"/account/$"))

    # Canceled in the portal: Stripe says so, and the paywall returns.
    canceled = fake_stripe.cancel_subscription(session["subscription"])
    assert send_webhook(site, fake_stripe.event("customer.subscription.deleted", canceled)) == 200
    page.goto(site + seed_guide.get_absolute_url())
    assert page.locator("#paywall").is_visible()
    assert page.locator("section.guide-section").count() == 1
    page.goto(site + "/account/")
    assert "Canceled on" in page.locator("main").inner_text()


def test_editor_creates_previews_publishes_and_visitors_find_it(site, new_page, editor) -> None:
    editor.set_password(PASSWORD)
    editor.save()
    editor.emailaddress_set.create(email=editor.email, verified=True, primary=True)
    page = new_page()
    # The admin has no sign-in form of its own: staff use the site's, with its rate limits.
    page.goto(site + "/admin/")
    assert "/accounts/login/" in page.url
    page.fill("input[name=login]", editor.email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url(site + "/admin/")

    page.goto(site + "/admin/articles/guide/add/")
    page.select_option("select[name=track]", label="System Design Interviews")
    page.fill("input[name=title]", "Consistent Hashing Without Tears")
    page.fill("input[name=dek]", "Rings, virtual nodes and what to say when asked why.")
    page.fill("textarea[name=intro]", "Consistent hashing keeps most keys in place.")
    page.select_option("select[name=access]", "free")
    page.fill("input[name='sections-0-heading']", "The ring")
    page.fill("input[name='sections-0-position']", "0")
    page.locator("#sections-group").get_by_text("Add another Section").click()
    page.fill("input[name='sections-1-heading']", "What to say")
    page.fill("input[name='sections-1-position']", "1")
    page.click("input[name=_continue]")
    assert "was added successfully" in page.locator(".messagelist").inner_text()

    # The slug was filled in from the title as the editor typed.
    guide = Guide.objects.get(slug="consistent-hashing-without-tears")
    first, second = guide.sections.all()
    for section, kind, text in (
        (first, "checklist", "Hash keys onto a ring\nAdd virtual nodes\nMeasure the skew"),
        (second, "phrases", "Moment | What to say\nStart | I'll place servers on a ring first."),
    ):
        page.goto(f"{site}/admin/articles/guide/{guide.pk}/change/")
        page.get_by_role("link", name=re.compile(r"Edit \d+ blocks?")).nth(section.position).click()
        page.fill("input[name='blocks-0-position']", "0")
        page.select_option("select[name='blocks-0-kind']", kind)
        page.fill("textarea[name='blocks-0-text']", text)
        page.click("input[name=_save]")
        page.wait_for_url(re.compile(rf"/admin/articles/guide/{guide.pk}/change/"))

    # The draft, previewed exactly as readers will see it; invisible to the public.
    with page.expect_popup() as popup:
        page.get_by_role("link", name="Preview as a subscriber").click()
    preview = popup.value
    preview.wait_for_load_state()
    assert preview.locator("form.checklist li").count() == 3
    assert preview.locator("table.phrases th[scope=row]").inner_text() == "Start"
    visitor = new_page()
    assert visitor.goto(site + guide.get_absolute_url()).status == 404

    # Publish from the list, then a visitor finds it in the library and in search.
    page.goto(site + "/admin/articles/guide/")
    page.locator(f"input[name=_selected_action][value='{guide.pk}']").check()
    page.select_option("select[name=action]", "publish")
    page.locator(".actions button[type=submit]").click()
    assert "Published 1 guide(s)." in page.locator(".messagelist").inner_text()

    visitor.goto(site + "/guides/")
    visitor.get_by_role("link", name="Consistent Hashing Without Tears").click()
    assert visitor.locator("form.checklist li").count() == 3
    visitor.goto(site + "/search/?q=virtual+nodes")
    assert visitor.get_by_role("link", name="Consistent Hashing Without Tears").is_visible()
    assert visitor.locator("mark").count() >= 1


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize(
    ("device", "viewport"),
    [("desktop", {"width": 1280, "height": 900}), ("phone", {"width": 390, "height": 844})],
)
def test_guide_page_screenshots(site, new_page, seed_guide, scheme, device, viewport) -> None:
    page = new_page(
        viewport=viewport, color_scheme=scheme, device_scale_factor=2 if device == "phone" else 1
    )
    page.goto(site + seed_guide.get_absolute_url())
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert (background == "rgb(255, 255, 255)") is (scheme == "light")
    # Nothing sideways-scrolls on a phone.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    path = screenshot(page, f"guide-{device}-{scheme}")
    assert path.stat().st_size > 10_000
    assert str(path).endswith(f"guide-{device}-{scheme}.png")
