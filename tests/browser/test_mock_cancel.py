"""Cancelling a booked mock in a real browser, under the site's real CSP: the button asks first,
saying what it costs, and nothing happens unless the member agrees."""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from mocks.models import Booking

from ..factories import UserFactory, subscriber
from ..mocks.booked import book
from .conftest import axe_violations, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_cancel_asks_first_with_its_cost_then_cancels(site, new_page) -> None:
    ada = subscriber()
    booking = book(ada, UserFactory(name="Bob Byte"), hours_ahead=30, now=timezone.now())
    page = new_page(bypass_csp=False)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(page, ada, site)
    page.goto(f"{site}/mocks/")
    expect(page.get_by_role("heading", name="Your booked mocks")).to_be_visible()
    asked: list[str] = []

    def dismiss(dialog) -> None:
        asked.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", dismiss)
    page.get_by_role("button", name="Cancel").click()
    expect(page.get_by_role("heading", name="Your booked mocks")).to_be_visible()
    assert asked == [
        "Cancel your mock with Bob Byte? It is free: their request goes back to the front of "
        "the queue."
    ]
    booking.refresh_from_db()
    assert booking.status == "booked"
    checked = new_page()  # axe is injected past the CSP
    sign_in(checked, ada, site)
    checked.goto(f"{site}/mocks/")
    screenshot(checked, "mocks-booked")
    assert axe_violations(checked) == []
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Cancel").click()
    expect(page.get_by_text("Cancelled, free")).to_be_visible()
    assert Booking.objects.get(pk=booking.pk).status == "canceled"
    assert not errors, errors
