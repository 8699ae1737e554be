"""/plan/ and a member's mock interviews: the weakest axis of their last three scored rounds puts
the guides about it (named in their front matter) at the head of the days ahead, and the page
says why."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from accounts.models import User
from study.models import Plan
from tests.conftest import signed_in
from tests.factories import TrackFactory, make_guide, subscriber
from tests.mocks.booked import booked, scored

pytestmark = pytest.mark.django_db

WEAK_COMMUNICATION = {
    "framing": 3,
    "approach": 3,
    "correctness": 4,
    "code-quality": 3,
    "communication": 1,
}


@pytest.fixture
def member(db) -> User:
    return subscriber()


def planned(member: User, *tracks) -> None:
    plan = Plan.objects.create(
        user=member,
        interview_date=timezone.localdate() + dt.timedelta(days=7),
        daily_minutes=30,
    )
    plan.tracks.set(tracks)


def test_the_guides_about_the_weakest_axis_lead_the_plan_and_the_page_says_why(member) -> None:
    coding = TrackFactory(slug="coding-x", title="Coding X")
    mocks = TrackFactory(slug="mocks-x", title="Mock X")
    make_guide(track=coding, title="Arrays", slug="arrays")
    make_guide(track=coding, title="Thinking aloud", slug="aloud", axes=["communication"])
    make_guide(track=mocks, title="Narrate it", slug="narrate", axes=["communication", "framing"])
    make_guide(track=mocks, title="Edge cases", slug="edges", axes=["framing"])
    planned(member, coding)
    page = signed_in(member).get("/plan/").content.decode()
    assert "weakest axis" not in page  # no mocks yet: the plan as before
    assert "Narrate it" not in page
    booking = booked(timezone.now() - dt.timedelta(days=4), first=member)
    scored(booking.rounds.get(number=1), booking.second.user, WEAK_COMMUNICATION)
    page = signed_in(member).get("/plan/").content.decode()
    assert "Your weakest axis in recent mocks: <strong>Communication</strong>" in page
    assert (
        'The guides about it lead the days ahead: <a href="/guides/aloud/">Thinking aloud</a>'
        in (page)
    )
    today = page[page.index(">Today <") : page.index("</section>", page.index(">Today <"))]
    assert "Read Thinking aloud" in today
    assert "Your weakest mock axis: Communication" in today
    assert page.count("Read Thinking aloud") == 1  # not again in its track
    assert "Read Narrate it" in page  # from a track the plan does not cover
    assert "Edge cases" not in page


def test_an_axis_no_guide_is_about_is_named_all_the_same(member) -> None:
    coding = TrackFactory(slug="coding-y", title="Coding Y")
    make_guide(track=coding, title="Arrays", slug="arrays")
    planned(member, coding)
    booking = booked(timezone.now() - dt.timedelta(days=4), first=member)
    scored(booking.rounds.get(number=1), booking.second.user, WEAK_COMMUNICATION)
    page = signed_in(member).get("/plan/").content.decode()
    assert "Your weakest axis in recent mocks: <strong>Communication</strong>" in page
    assert "No guide is about it yet." in page
