"""Every study POST is checked whole by its form before anything is written: bad input gets a
clear message (JSON for the guide page's script) and changes nothing, never a 500."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages

from articles.models import Guide, Item
from study.models import Card, Plan, Reading, Tick

from ..conftest import signed_in
from ..factories import UserFactory, make_guide
from ..helpers import JSON

BAD_IDS = ["", "abc", "-1", "0", "1" * 40, "²", "١٢", "1.5"]


@pytest.fixture
def guide(db) -> Guide:
    return make_guide(
        slug="forms",
        sections=[
            [("checklist", "Alpha\nBravo"), ("phrases", "Moment | Say\nStart | Restate it.")],
            [("paragraph", "More.")],
        ],
    )


def checklist(guide: Guide) -> list[Item]:
    return list(Item.objects.filter(block__section__guide=guide, block__kind="checklist"))


def test_a_tick_with_a_checked_value_other_than_1_or_0_is_refused(guide) -> None:
    reader = UserFactory()
    item = checklist(guide)[0]
    response = signed_in(reader).post(
        "/progress/tick/", {"item": item.pk, "checked": "yes"}, **JSON
    )
    assert response.status_code == 400
    assert response.json() == {"error": "Checked must be 1 or 0."}
    assert not Tick.objects.exists()
    assert not Reading.objects.exists()


@pytest.mark.parametrize("bad", ["abc", "²", "1" * 40])
def test_a_saved_checklist_with_one_bad_item_saves_none_of_it(guide, bad: str) -> None:
    reader = UserFactory()
    alpha, bravo = checklist(guide)
    response = signed_in(reader).post(
        "/progress/checklist/", {"block": alpha.block_id, "item": [alpha.pk, bad, bravo.pk]}, **JSON
    )
    assert response.status_code == 404
    assert response.json() == {"error": "No such checklist item."}
    assert not Tick.objects.exists()
    assert not Reading.objects.exists()


@pytest.mark.parametrize("bad", BAD_IDS)
def test_a_checklist_with_a_bad_id_is_not_found(guide, bad: str) -> None:
    response = signed_in(UserFactory()).post("/progress/checklist/", {"block": bad}, **JSON)
    assert response.status_code == 404
    assert response.json() == {"error": "No such checklist."}


@pytest.mark.parametrize("bad", [*BAD_IDS, "draft"])
def test_finishing_a_guide_that_is_not_there_is_not_found_and_writes_nothing(
    guide, bad: str
) -> None:
    if bad == "draft":
        bad = str(make_guide(slug="draft", status=Guide.Status.DRAFT).pk)
    response = signed_in(UserFactory()).post(
        "/progress/finished/", {"guide": bad, "finished": "1"}, **JSON
    )
    assert response.status_code == 404
    assert response.json() == {"error": "No such guide."}
    assert not Reading.objects.exists()


def test_finishing_with_a_finished_value_other_than_1_or_0_is_refused(guide) -> None:
    response = signed_in(UserFactory()).post(
        "/progress/finished/", {"guide": guide.pk, "finished": "maybe"}
    )
    assert response.status_code == 400
    assert response.content.decode() == "Finished must be 1 or 0."
    assert not Reading.objects.exists()


@pytest.mark.parametrize("section", ["", "<script>", "a b", "x" * 81])
def test_a_position_that_is_no_section_anchor_is_refused_and_not_stored(
    guide, section: str
) -> None:
    reader = UserFactory()
    client = signed_in(reader)
    client.get(guide.get_absolute_url())
    before = Reading.objects.get(user=reader)
    response = client.post("/progress/position/", {"guide": guide.pk, "section": section}, **JSON)
    assert response.status_code == 400
    assert response.json() == {"error": "No such section."}
    after = Reading.objects.get(user=reader)
    assert (after.section, after.opened_at) == (before.section, before.opened_at)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"item": "1" * 40, "grade": "good"}, "no such card."),
        ({"item": "١٢", "grade": "good"}, "no such card."),
        ({"grade": "good"}, "no such card."),
        ({"item": "1"}, "choose a grade."),
        ({"item": "1", "grade": "GOOD"}, "choose a grade."),
        ({"item": "1", "grade": "good", "seen": "x" * 65}, "the card was shown in another state."),
    ],
)
def test_a_bad_drill_answer_says_what_is_wrong_and_records_nothing(
    guide, data: dict[str, str], message: str
) -> None:
    client = signed_in(UserFactory())
    response = client.post("/drills/", data)
    assert response.status_code == 302
    shown = [str(m) for m in get_messages(response.wsgi_request)]
    assert shown == [f"That answer could not be recorded: {message}"]
    assert not Card.objects.exists()


def test_a_first_plan_that_is_invalid_creates_no_plan(guide) -> None:
    reader = UserFactory()
    response = signed_in(reader).post(
        "/plan/", {"interview_date": "2026-02-30", "daily_minutes": "x", "tracks": ["abc"]}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Enter a valid date." in page
    assert "Enter a whole number." in page
    assert not Plan.objects.filter(user=reader).exists()
