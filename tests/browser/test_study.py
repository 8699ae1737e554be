"""A reader's study tools in a real browser, under the site's real Content-Security-Policy:
ticking a checklist item without a reload, seeing it ticked on another device, a drill
session, and a free member's plan over the demo guides."""

from __future__ import annotations

import re

import pytest

from articles.models import Guide, Item, Track
from articles.services import guide_files, guides_import
from study.models import Card, Tick

from ..conftest import CONTENT
from ..factories import SubscriptionFactory
from .conftest import ARTIFACTS, axe_violations, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def subscriber(reader):
    SubscriptionFactory(user=reader)
    return reader


def test_ticking_an_item_is_saved_and_seen_on_another_device(
    site, new_page, seed_guide, subscriber
) -> None:
    laptop = new_page(bypass_csp=False)
    errors: list[str] = []
    laptop.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(laptop, subscriber, site)
    laptop.goto(site + seed_guide.get_absolute_url())
    first = laptop.locator("form.checklist input[type=checkbox]").first
    section = laptop.locator("section.guide-section").first
    assert section.locator(".section-progress .count").inner_text() == "0"
    laptop.evaluate("window.notReloaded = true")
    # The script hides the no-JavaScript Save button: it is running under the CSP.
    assert not laptop.locator("form.checklist button").first.is_visible()
    first.check()
    # The counts change in place, without a reload.
    section.locator(".section-progress .count", has_text="1").wait_for()
    assert laptop.locator("[data-guide-progress] .count").inner_text() == "1"
    assert laptop.evaluate("window.notReloaded") is True
    item_id = int(first.get_attribute("value"))
    assert Tick.objects.filter(user=subscriber, item_id=item_id).exists()
    assert not errors, errors

    phone = new_page(viewport={"width": 390, "height": 844}, bypass_csp=False)
    sign_in(phone, subscriber, site)
    phone.goto(site + seed_guide.get_absolute_url())
    assert phone.locator(f"#item-{item_id}").is_checked()
    assert (
        phone.locator("section.guide-section")
        .first.locator(".section-progress .count")
        .inner_text()
        == "1"
    )
    phone.locator(f"#item-{item_id}").scroll_into_view_if_needed()
    phone.screenshot(path=str(ARTIFACTS / "guide-checklist-phone.png"))

    # Unticking on the phone shows on the laptop after a reload.
    phone.locator(f"#item-{item_id}").uncheck()
    phone.locator("[data-guide-progress] .count", has_text="0").wait_for()
    laptop.reload()
    assert not laptop.locator(f"#item-{item_id}").is_checked()


def test_a_drill_session(site, new_page, seed_guide, subscriber) -> None:
    page = new_page(bypass_csp=False)
    sign_in(page, subscriber, site)
    page.goto(site + "/drills/")
    rows = Item.objects.filter(block__section__guide=seed_guide, block__kind="phrases").count()
    assert page.get_by_text(f"{rows} cards due today").is_visible()
    prompt = page.locator(".drill-prompt").inner_text()
    answer = page.locator(".drill-answer-text")
    assert not answer.is_visible()
    page.get_by_text("Show answer").click()
    assert answer.is_visible()
    page.get_by_role("button", name="Good").click()
    page.get_by_text(f"{rows - 1} cards due today").wait_for()
    card = Card.objects.get(user=subscriber)
    assert card.item.text == prompt
    assert card.interval == 1
    # "Again" keeps the card in today's session, after the other cards.
    again = page.locator(".drill-prompt").inner_text()
    page.get_by_text("Show answer").click()
    page.get_by_role("button", name="Again").click()
    page.get_by_text(f"{rows - 1} cards due today").wait_for()
    assert page.locator(".drill-prompt").inner_text() != again
    page.screenshot(path=str(ARTIFACTS / "drills.png"))
    assert re.search(r"\d+ cards? due today", page.content())


def test_progress_and_plan_pages(site, new_page, seed_guide, subscriber) -> None:
    import datetime as dt

    from django.utils import timezone

    from study.models import Plan
    from study.services.checklists import tick_item

    for item in Item.objects.filter(block__section__guide=seed_guide, block__kind="checklist")[:7]:
        tick_item(subscriber, item.pk, True)
    Plan.objects.create(
        user=subscriber, interview_date=timezone.localdate() + dt.timedelta(days=5)
    ).tracks.set([seed_guide.track])
    page = new_page(bypass_csp=False)
    sign_in(page, subscriber, site)
    page.goto(site + "/progress/")
    assert page.get_by_text("7 of 30 checklist items ready").first.is_visible()
    page.get_by_role("link", name=seed_guide.title).first.wait_for()
    page.screenshot(path=str(ARTIFACTS / "progress.png"), full_page=True)
    page.goto(site + "/plan/")
    assert page.get_by_role("heading", name=re.compile("^Today")).is_visible()
    page.screenshot(path=str(ARTIFACTS / "plan.png"), full_page=True)
    page.goto(site + "/")
    page.get_by_role("heading", name="Continue reading").wait_for()


def test_a_free_members_plan_of_every_track_spreads_free_work_and_names_premium_guides(
    site, new_page, reader
) -> None:
    import datetime as dt

    from django.utils import timezone

    guides_import(guide_files([CONTENT]))  # the demo guides `make run` imports
    premium = list(Guide.objects.filter(access="premium").order_by("title"))
    free = list(Guide.objects.filter(access="free"))
    assert premium
    assert free
    page = new_page()  # axe is injected past the CSP
    sign_in(page, reader, site)
    page.goto(site + "/plan/")
    interview = timezone.localdate() + dt.timedelta(days=14)
    page.get_by_label("Interview date").fill(interview.isoformat())
    page.get_by_label("Minutes a day").fill("45")
    for track in Track.objects.all():
        page.get_by_label(track.title, exact=True).check()
    page.get_by_role("button", name="Make my plan").click()
    page.get_by_text("Your plan is ready.").wait_for()

    # The premium guides are named, each linking to its page (its preview), with the pricing.
    notice = page.locator(".plan-locked")
    assert f"A subscription adds these {len(premium)} guides to your plan" in notice.inner_text()
    for guide in premium:
        link = notice.get_by_role("link", name=guide.title)
        assert link.get_attribute("href") == guide.get_absolute_url()
    assert notice.get_by_role("link", name="See pricing").get_attribute("href") == "/pricing/"

    # The free guides are planned across the days, not all today with only drills after.
    days = page.locator(".plan-day")
    assert days.count() == 14
    guide_work = re.compile("^(Read|Finish the checklists of) ")
    with_work = [
        n for n in range(days.count()) if days.nth(n).get_by_role("link", name=guide_work).count()
    ]
    assert len(with_work) >= 2 * len(free), with_work
    planned = page.locator(".plan-day").get_by_role("link", name=re.compile("^Read "))
    assert sorted(planned.all_inner_texts()) == sorted(f"Read {g.title}" for g in free)
    assert not axe_violations(page)
    page.screenshot(path=str(ARTIFACTS / "plan-free-member.png"), full_page=True)
    notice.get_by_role("link", name="See pricing").click()
    page.wait_for_url(site + "/pricing/")
