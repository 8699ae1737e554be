"""The emails in a real browser, light and dark: the announcement, the weekly digest and a
billing email (they share one layout) are readable (screenshots under artifacts/) with their
stylesheet inlined."""

from __future__ import annotations

import datetime as dt

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from articles.models import Track
from mail.outbox import email_queue, render_email
from mailings.services import digest_send, guide_announce
from study.models import Plan

from ..factories import SubscriptionFactory, make_guide
from .conftest import screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_announcement_and_the_digest_in_a_browser(
    new_page, scheme, django_capture_on_commit_callbacks
) -> None:
    reader = SubscriptionFactory(user__email="reader@example.com").user
    EmailAddress.objects.create(user=reader, email=reader.email, verified=True, primary=True)
    guide = make_guide(
        slug="heaps-in-the-inbox",
        title="Heaps in the inbox",
        dek="When a heap is the answer, and how to say so.",
        intro="Heaps show up in every other screen.\n\nThis guide shows the three shapes.",
    )
    Plan.objects.create(
        user=reader, interview_date=timezone.localdate() + dt.timedelta(days=9)
    ).tracks.set(Track.objects.all())
    with django_capture_on_commit_callbacks(execute=True):
        guide_announce(guide=guide, to="subscribers")
        digest_send()
    announcement, digest = mail.outbox
    welcome = render_email(email_queue(kind="welcome", cause="welcome", user=reader))
    page = new_page(color_scheme=scheme, viewport={"width": 640, "height": 900})
    emails = (("announcement", announcement), ("digest", digest), ("welcome", welcome))
    for name, message in emails:
        page.set_content(message.alternatives[0].content)
        body = page.locator("td.body")
        assert body.is_visible()
        colour = body.evaluate("el => getComputedStyle(el).color")
        background = page.locator("table.card").evaluate(
            "el => getComputedStyle(el).backgroundColor"
        )
        # Dark text on the light card, light text on the dark one.
        assert (colour, background) == (
            ("rgb(27, 34, 48)", "rgb(255, 255, 255)")
            if scheme == "light"
            else ("rgb(230, 234, 242)", "rgb(19, 29, 51)")
        )
        screenshot(page, f"email-{name}-{scheme}")
    assert "Heaps in the inbox" in announcement.alternatives[0].content
    assert "Your plan" in digest.alternatives[0].content


@pytest.mark.parametrize(
    "viewport", [{"width": 1280, "height": 720}, {"width": 390, "height": 844}]
)
def test_saving_email_preferences_shows_saved_where_the_reader_is(site, new_page, viewport) -> None:
    reader = SubscriptionFactory(user__email="prefs@example.com").user
    page = new_page(viewport=viewport)
    sign_in(page, reader, site)
    page.goto(site + "/account/")
    page.get_by_label("A weekly study digest").uncheck()
    page.get_by_role("button", name="Save email preferences").click()
    saved = page.get_by_text("Your email preferences are saved.")
    expect(saved).to_have_count(1)
    expect(saved).to_be_in_viewport()
    # Beside the form it speaks of, not at the top of the page.
    expect(page.locator("#email-preferences").get_by_text("preferences are saved")).to_be_visible()
    expect(page.get_by_label("A weekly study digest")).not_to_be_checked()
