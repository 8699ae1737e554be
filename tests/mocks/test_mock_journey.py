"""The promise of issue 23, end to end: two members who have never met, one in Los Angeles and
one in Kolkata, each request a mock in Chromium on their own clock; the matcher books them on a
real Celery worker; each gets an email with the time on their clock and a calendar invitation;
they meet in the room (served by daphne with its websockets), see what their role lets them see,
type in the shared pad and see each other's text within a second; they score each other, see
what they received once they have sent theirs, and find it in their history and their plan.

Time passes by moving the booking, not the clock: the room's server (daphne) runs in a process
of its own, on the real clock."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import User
from mocks.models import Booking, MockRequest
from mocks.rubric import TECHNICAL
from practice.services import problem_files, problems_import
from study.models import Plan
from tests.browser.conftest import sign_in
from tests.conftest import CONTENT, wait_for
from tests.factories import TrackFactory, make_guide, subscriber

from .booked import html_of, invitation_of, sent_to

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LOS_ANGELES, KOLKATA = "America/Los_Angeles", "Asia/Kolkata"
WALL_CLOCK = "%Y-%m-%dT%H:%M"


def request_a_mock(page, site: str, starts: dt.datetime, zone: str) -> None:
    """The request form filled on the member's own clock: a four-hour window from `starts`."""
    page.goto(site + "/mocks/")
    # The zone comes from the browser (the context's), so the windows are read on that clock.
    expect(page.get_by_label("Time zone")).to_have_value(zone)
    page.get_by_label("Kind").select_option("technical")
    page.get_by_label("Company tier").select_option("big-tech")
    page.get_by_label("Level").select_option("mid")
    page.get_by_label("Focus").fill("graphs")
    local = starts.astimezone(zoneinfo.ZoneInfo(zone))
    page.get_by_label("Window 1, from").fill(local.strftime(WALL_CLOCK))
    page.get_by_label("until", exact=True).first.fill(
        (local + dt.timedelta(hours=4)).strftime(WALL_CLOCK)
    )
    page.get_by_role("button", name="Request a mock").click()


def move(booking: Booking, starts: dt.datetime) -> None:
    """Time passes: the booking now starts at `starts` on the real clock."""
    Booking.objects.filter(pk=booking.pk).update(
        starts_at=starts, ends_at=starts + (booking.ends_at - booking.starts_at)
    )


def score(page, site: str, booking: Booking, scores: dict[str, int], note: str) -> None:
    page.goto(f"{site}/mocks/{booking.pk}/feedback/")
    for axis in TECHNICAL:
        group = page.get_by_role("group", name=axis.name)
        level = scores[axis.key]
        group.get_by_label(f"{level}: {axis.meaning(level)}", exact=True).check()
    page.get_by_label("What went well").fill(note)
    page.get_by_label("What to work on").fill("Say the plan out loud first.")
    page.get_by_role("button", name="Send feedback for round").click()
    expect(page.get_by_text("Sent, thank you.")).to_be_visible()


def test_two_strangers_request_match_meet_code_score_and_plan(
    site: str, asgi_site: str, new_page, worker
) -> None:
    problems_import(problem_files([CONTENT.parent / "problems"]))
    talking = TrackFactory(slug="mock-talk", title="Mock talk")
    make_guide(track=talking, title="Narrate every step", slug="narrate", axes=["communication"])
    ada: User = subscriber()
    ravi: User = subscriber()
    User.objects.filter(pk=ada.pk).update(name="Ada")
    User.objects.filter(pk=ravi.pk).update(name="Ravi")
    ada.refresh_from_db()
    ravi.refresh_from_db()
    plan = Plan.objects.create(
        user=ada, interview_date=timezone.localdate() + dt.timedelta(days=10), daily_minutes=30
    )
    plan.tracks.set([talking])

    pages = {}
    for member, zone in ((ada, LOS_ANGELES), (ravi, KOLKATA)):
        page = new_page(bypass_csp=False, timezone_id=zone)
        sign_in(page, member, site)
        sign_in(page, member, asgi_site)
        pages[member.pk] = page
    ada_page, ravi_page = pages[ada.pk], pages[ravi.pk]

    # Both free from the same instant, each writing it on their own clock.
    starts = (timezone.now() + dt.timedelta(hours=4)).replace(minute=0, second=0, microsecond=0)
    request_a_mock(ada_page, site, starts, LOS_ANGELES)
    expect(ada_page.get_by_role("heading", name="Waiting for a match")).to_be_visible()
    request_a_mock(ravi_page, site, starts, KOLKATA)

    # The matcher, on the real worker, books them at the first shared quarter hour.
    wait_for(lambda: Booking.objects.exists(), timeout=30)
    booking = Booking.objects.select_related("first__user", "second__user").get()
    assert booking.starts_at == starts
    assert {booking.first.user, booking.second.user} == {ada, ravi}
    assert booking.first.user == ada  # she asked first: round 1's candidate
    assert MockRequest.objects.filter(status="matched").count() == 2

    # Each is emailed the time on their own clock, with an invitation for their calendar.
    wait_for(lambda: len(sent_to(ada, "is booked")) == len(sent_to(ravi, "is booked")) == 1)
    for member, partner, zone in ((ada, ravi, LOS_ANGELES), (ravi, ada, KOLKATA)):
        (message,) = sent_to(member, "is booked")
        assert partner.name in message.subject
        local = starts.astimezone(zoneinfo.ZoneInfo(zone))
        assert f"{local:%H:%M}" in message.body
        assert zone in message.body
        assert partner.email not in message.body + html_of(message)
        invitation = invitation_of(message)
        assert str(invitation["METHOD"]) == "REQUEST"
        (event,) = invitation.events
        assert str(event["UID"]).startswith(str(booking.uid))
        assert event["DTSTART"].dt == starts

    # The room, before the start: the time to come back at, the call link.
    for page in (ada_page, ravi_page):
        page.goto(f"{asgi_site}/mocks/{booking.pk}/")
        expect(page.locator("#room-now")).to_contain_text("Starts in")
        expect(page.get_by_role("link", name="meet.jit.si", exact=False)).to_be_visible()

    # Twenty minutes into round 1: Ada is the candidate, Ravi interviews.
    move(booking, timezone.now() - dt.timedelta(minutes=20))
    for page in (ada_page, ravi_page):
        page.reload()
        expect(page.locator("#room-now")).to_contain_text("Round 1: Code while narrating")
    round_one = booking.rounds.select_related("problem").get(number=1)
    assert round_one.problem is not None
    assert round_one.problem.pattern.slug == "graphs"  # her focus
    ada_round = ada_page.locator("#round-1")
    expect(ada_round.get_by_role("heading", name="Ravi interviews you")).to_be_visible()
    expect(ada_round.locator(".room-problem")).to_contain_text(round_one.problem.title)
    expect(ada_round.locator(".room-solution")).to_have_count(0)
    ravi_round = ravi_page.locator("#round-1")
    expect(ravi_round.get_by_role("heading", name="you interview Ada")).to_be_visible()
    expect(ravi_round.locator(".room-solution")).to_have_count(1)
    expect(ravi_round.locator(".room-rubric")).to_contain_text("Problem framing")

    # The pad: each sees what the other types within a second.
    ada_pad = ada_round.locator(".pad .cm-content")
    ravi_pad = ravi_round.locator(".pad .cm-content")
    expect(ada_page.locator("#round-1 .pad-status")).to_have_text("Live: you both edit this pad.")
    expect(ravi_page.locator("#round-1 .pad-status")).to_have_text("Live: you both edit this pad.")
    ada_pad.click()
    ada_page.keyboard.type("def count_islands(grid):")
    expect(ravi_pad).to_contain_text("def count_islands(grid):", timeout=1000)
    ravi_pad.click()
    ravi_page.keyboard.press("Control+End")
    ravi_page.keyboard.type(" # and the empty grid?")
    expect(ada_pad).to_contain_text("and the empty grid?", timeout=1000)
    wait_for(
        lambda: "empty grid" in booking.rounds.get(number=1).pad_text, timeout=5
    )  # saved with the booking

    # Both rounds over: Ravi scores Ada (round 1); Ada cannot see it until she sends hers.
    move(booking, timezone.now() - dt.timedelta(minutes=100))
    weak_talk = {axis.key: 3 for axis in TECHNICAL} | {"communication": 1}
    score(ravi_page, site, booking, weak_talk, "Clean code.")
    ada_page.goto(f"{site}/mocks/{booking.pk}/feedback/")
    received = ada_page.locator("section", has=ada_page.get_by_role("heading", name="Round 1"))
    expect(received).to_contain_text("Ravi has sent theirs. You will see it once you send yours")
    expect(received).not_to_contain_text("Clean code.")
    score(ada_page, site, booking, {axis.key: 4 for axis in TECHNICAL}, "Great hints.")
    ada_page.goto(f"{site}/mocks/{booking.pk}/feedback/")
    expect(received).to_contain_text("Clean code.")
    expect(received.get_by_role("row", name="Communication")).to_contain_text("1 of 4")

    # The pad is kept, read-only, in the room afterwards.
    ada_page.goto(f"{asgi_site}/mocks/{booking.pk}/")
    expect(ada_page.locator("#round-1 .pad-saved")).to_contain_text("and the empty grid?")

    # History and plan: the weakest axis of her recent rounds, and its guides, lead the plan.
    ada_page.goto(f"{site}/mocks/history/")
    expect(ada_page.get_by_role("table").first).to_contain_text("Communication")
    expect(ada_page.locator("svg").first).to_be_visible()
    ada_page.goto(f"{site}/plan/")
    expect(ada_page.get_by_text("Your weakest axis in recent mocks")).to_contain_text(
        "Communication"
    )
    expect(ada_page.get_by_role("link", name="Narrate every step").first).to_be_visible()
