"""Feedback after a mock in a real browser: a member has no form for the round they were the
candidate in; in the round they interviewed they pick a sentence per axis and send it, then
read what their partner said about them; the feedback and history pages have no serious or
critical axe violations, light or dark."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from mocks.models import Feedback

from ..mocks.booked import booked, scored
from .conftest import axe_violations, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_a_member_sends_feedback_and_reads_what_they_received(site, new_page, scheme) -> None:
    booking = booked(timezone.now() - dt.timedelta(hours=2))
    ada, grace = booking.first.user, booking.second.user
    scored(booking.rounds.get(number=1), 2, went_well="Calm under pressure.")  # Grace on Ada
    page = new_page(color_scheme=scheme)
    sign_in(page, ada, site)
    page.goto(f"{site}/mocks/{booking.pk}/feedback/")
    assert axe_violations(page) == []
    # Round 1 was Ada's as candidate: no form, and Grace's scores wait for Ada's.
    expect(page.locator('input[name="round"][value="1"]')).to_have_count(0)
    expect(
        page.get_by_text("Grace has sent theirs. You will see it once you send yours")
    ).to_be_visible()
    expect(page.get_by_text("Calm under pressure.")).to_have_count(0)
    round_two = page.locator("form", has=page.locator('input[name="round"][value="2"]'))
    for axis in ("Problem framing", "Approach and trade-offs", "Correctness", "Code quality"):
        round_two.get_by_role("group", name=axis).get_by_label("3: ", exact=False).check()
    round_two.get_by_role("group", name="Communication").get_by_text("4: Led the").click()
    round_two.get_by_label("What went well").fill("Clear questions up front.")
    round_two.get_by_role("button", name="Send feedback for round 2").click()
    expect(page.get_by_text("Sent, thank you. Grace has sent theirs")).to_be_visible()
    expect(page.get_by_text("Calm under pressure.")).to_be_visible()
    sent = Feedback.objects.get(author=ada)
    assert (sent.round.number, sent.subject) == (2, grace)
    assert sent.scores["communication"] == 4
    assert sent.scores["framing"] == 3
    screenshot(page, f"mocks-feedback-{scheme}")
    page.goto(f"{site}/mocks/history/")
    expect(
        page.get_by_role("heading", name="Your scores in technical (coding) mocks")
    ).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_text("Report Grace, or never be matched with them again").click()
    page.get_by_role("button", name="Never match me with Grace").click()
    expect(page.get_by_text("Done: you will not be matched with Grace again.")).to_be_visible()
    screenshot(page, f"mocks-history-{scheme}")
