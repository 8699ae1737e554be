"""The mock room in two real browsers at once (Chromium, two signed-in members, each in a
context of their own) against daphne serving the site and its websockets on the Redis channel
layer, under the site's real Content-Security-Policy: what one types in the shared pad shows in
the other's within a second, both ways, and is saved with the round; and the room with its live
pad has no serious accessibility problem (axe-core). The page's clock (the browser's, fast-forwarded
by Playwright) moves the phase on by itself."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from mocks.models import Round
from tests.browser.conftest import axe_violations, sign_in
from tests.conftest import wait_for
from tests.mocks.rooms import book

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_members_see_each_others_typing_in_the_pad_within_a_second(
    asgi_site: str, new_page
) -> None:
    booking = book(timezone.now() - dt.timedelta(minutes=20))  # round 1, coding
    pages = []
    for member in (booking.first.user, booking.second.user):
        page = new_page(bypass_csp=False)
        sign_in(page, member, asgi_site)
        page.goto(f"{asgi_site}/mocks/{booking.pk}/")
        pages.append(page)
    ada, grace = pages
    pads = [page.locator("#round-1 .pad .cm-content") for page in pages]
    for page, pad in zip(pages, pads, strict=True):
        expect(pad).to_be_visible()
        expect(page.locator("#round-1 .pad-status")).to_have_text("Live: you both edit this pad.")
        expect(page.locator("#room-now")).to_contain_text("Round 1: Code while narrating")

    pads[0].click()
    ada.keyboard.type("def solve(graph):")
    expect(pads[1]).to_contain_text("def solve(graph):", timeout=1000)

    pads[1].click()
    grace.keyboard.press("Control+End")
    grace.keyboard.type(" # and what is its cost?")
    expect(pads[0]).to_contain_text("def solve(graph): # and what is its cost?", timeout=1000)

    pads[0].click()
    ada.keyboard.press("Control+End")
    ada.keyboard.press("Enter")
    ada.keyboard.type("return []")
    expect(pads[1]).to_contain_text("return []", timeout=1000)

    wanted = "def solve(graph): # and what is its cost?\n    return []"

    def saved() -> bool:
        return Round.objects.get(booking=booking, number=1).pad_text.replace(" ", "") == (
            wanted.replace(" ", "")
        )

    wait_for(saved, timeout=5)

    # axe is injected past the CSP, in a context of its own.
    checked = new_page()
    sign_in(checked, booking.first.user, asgi_site)
    checked.goto(f"{asgi_site}/mocks/{booking.pk}/")
    expect(checked.locator("#round-1 .pad .cm-content")).to_contain_text("return []")
    assert axe_violations(checked) == []


def test_the_clock_moves_the_phase_on_and_offers_the_candidate_the_problem_when_stated(
    asgi_site: str, new_page
) -> None:
    booking = book(timezone.now() - dt.timedelta(minutes=3))  # Ada is round 1's candidate
    page = new_page(bypass_csp=False)
    page.clock.install()
    sign_in(page, booking.first.user, asgi_site)
    page.goto(f"{asgi_site}/mocks/{booking.pk}/")
    now = page.locator("#room-now")
    expect(now).to_contain_text("Now: Round 1: Warm-up")
    waiting = page.locator("#round-1 .room-stated-later")
    expect(waiting).to_contain_text("Reload the page then to see it")
    expect(page.locator("#round-1 .room-timeline [aria-current=step]")).to_contain_text("Warm-up")

    page.clock.fast_forward("02:30")  # past 05:00 of round 1
    expect(now).to_contain_text("Now: Round 1: Problem stated")
    expect(page.locator("#round-1 .room-timeline [aria-current=step]")).to_contain_text(
        "Problem stated"
    )
    expect(waiting.get_by_role("button", name="Show the problem")).to_be_visible()

    page.clock.fast_forward("40:00")  # 45:30 in: the break
    expect(now).to_contain_text("Now: Break")
    expect(page.locator(".room-timeline [aria-current=step]")).to_have_count(0)


def test_typing_at_the_same_time_both_pads_end_with_the_same_text(asgi_site: str, new_page) -> None:
    booking = book(timezone.now() - dt.timedelta(minutes=20))
    pages = []
    for member in (booking.first.user, booking.second.user):
        page = new_page(bypass_csp=False)
        sign_in(page, member, asgi_site)
        page.goto(f"{asgi_site}/mocks/{booking.pk}/")
        pad = page.locator("#round-1 .pad .cm-content")
        expect(page.locator("#round-1 .pad-status")).to_have_text("Live: you both edit this pad.")
        pad.click()
        pages.append(page)
    # Keystrokes interleaved: each editor pushes while the other's may be in flight, so a push
    # can meet a stale version and be refused, pulled and rebased.
    for a, g in zip("abcdefghij", "0123456789", strict=True):
        pages[0].keyboard.type(a)
        pages[1].keyboard.type(g)

    def pad_text(page) -> str:
        return page.locator("#round-1 .pad .cm-content").inner_text()

    wait_for(lambda: pad_text(pages[0]) == pad_text(pages[1]) and len(pad_text(pages[0])) == 20)
    text = pad_text(pages[0])
    assert "".join(c for c in text if c.isalpha()) == "abcdefghij"
    assert "".join(c for c in text if c.isdigit()) == "0123456789"
    wait_for(lambda: Round.objects.get(booking=booking, number=1).pad_text == text, timeout=5)
