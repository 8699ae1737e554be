"""/plan/ and a member's mock interviews: the weakest axis of the scores they received as
candidate in their last three scored rounds (once they may see them) puts the guides about it
(named in their front matter) at the head of the days ahead, and the page says why."""

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
    scored(booking.rounds.get(number=1), WEAK_COMMUNICATION)  # on the member, the candidate
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
    scored(booking.rounds.get(number=1), WEAK_COMMUNICATION)  # on the member, the candidate
    page = signed_in(member).get("/plan/").content.decode()
    assert "Your weakest axis in recent mocks: <strong>Communication</strong>" in page
    assert "No guide is about it yet." in page


def test_only_what_the_member_received_counts_once_they_sent_theirs(member) -> None:
    coding = TrackFactory(slug="coding-z", title="Coding Z")
    make_guide(track=coding, title="Arrays", slug="arrays")
    planned(member, coding)
    booking = booked(timezone.now() - dt.timedelta(hours=5), first=member)
    scored(booking.rounds.get(number=1), WEAK_COMMUNICATION)  # on the member, the candidate
    client = signed_in(member)
    # Hidden until the member sends theirs for round 2 (or for 72 hours): no axis yet.
    assert "weakest axis" not in client.get("/plan/").content.decode()
    answers = {"round": "2", "round-2-went_well": "", "round-2-work_on": ""}
    answers |= {f"round-2-score_{key}": "1" for key in WEAK_COMMUNICATION}
    assert client.post(f"/mocks/{booking.pk}/feedback/", answers).status_code == 302
    # The 1s the member gave as interviewer would make it "Problem framing": they are not theirs.
    page = client.get("/plan/").content.decode()
    assert "Your weakest axis in recent mocks: <strong>Communication</strong>" in page
