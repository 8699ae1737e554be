"""/progress/, "Continue reading", /drills/ and /plan/ as a reader uses them."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import timezone

from articles.models import Block, Item
from articles.services import block_save
from study.models import Card, Plan
from study.selectors import NEW_CARDS_PER_DAY, due_cards
from study.services.drills import grade

from ..conftest import signed_in
from ..factories import TrackFactory, UserFactory, make_guide, subscriber
from ..helpers import JSON

PHRASES = "Moment | What to say\nStart | Let me restate the problem.\nStuck | Here is what I know."


@pytest.fixture
def guides(db):
    system = TrackFactory(slug="system-design", title="System Design")
    return [
        make_guide(
            slug="one",
            title="Guide one",
            sections=[
                [("checklist", "A\nB")],
                [("paragraph", "Second section.")],
            ],
        ),
        make_guide(slug="two", title="Guide two", sections=[[("phrases", PHRASES)]]),
        make_guide(
            slug="three",
            title="Guide three",
            track=system,
            access="premium",
            preview_sections=1,
            sections=[[("phrases", PHRASES)], [("phrases", "L | R\nLocked | Answer")]],
        ),
    ]


def test_progress_counts_started_finished_and_ticks_per_track(guides) -> None:
    client = signed_in(UserFactory())
    page = client.get("/progress/").content.decode()
    assert "0 guides started, 0 finished, 0 of 2 checklist items ready." in page
    one = guides[0]
    client.get(one.get_absolute_url())
    for item in Item.objects.filter(block__section__guide=one):
        client.post("/progress/tick/", {"item": item.pk, "checked": "1"}, **JSON)
    client.post("/progress/finished/", {"guide": guides[2].pk, "finished": "1"})
    page = client.get("/progress/").content.decode()
    assert "2 guides started, 2 finished, 2 of 2 checklist items ready." in page
    coding = page[page.index('id="track-coding"') : page.index('id="track-system-design"')]
    assert "1 of 2 started · 1 finished · 2 of 2 checklist items ready" in coding
    assert re.search(r"Guide one</a></th>\s*<td>2 of 2</td>\s*<td><span class=\"status-ok\">", page)


def test_continue_reading_goes_to_the_last_guide_and_section(guides) -> None:
    reader = UserFactory()
    client = signed_in(reader)
    assert "Continue reading" not in client.get("/").content.decode()
    client.get(guides[1].get_absolute_url())
    client.get(guides[0].get_absolute_url())
    anchor = guides[0].sections.order_by("position")[1].anchor
    assert (
        client.post("/progress/position/", {"guide": guides[0].pk, "section": anchor}).status_code
        == 204
    )
    link = f'href="{guides[0].get_absolute_url()}#{anchor}">Guide one</a>'
    assert link in client.get("/").content.decode()
    assert link in client.get("/progress/").content.decode()
    # An unknown section is ignored, never stored.
    client.post("/progress/position/", {"guide": guides[0].pk, "section": "<script>"})
    assert link in client.get("/progress/").content.decode()
    # Visitors see no such block.
    assert "Continue reading" not in Client().get("/").content.decode()


def test_study_pages_need_a_signed_in_reader(db, client: Client) -> None:
    for url in ("/progress/", "/drills/", "/plan/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_due_cards_are_exactly_the_ones_whose_day_has_come(guides) -> None:
    reader = subscriber()
    today = timezone.localdate()
    rows = list(Item.objects.filter(block__kind="phrases").order_by("pk"))
    assert len(rows) == 5  # two guides' tables, the premium one with its locked section
    # All new: all due today.
    assert [d.item.pk for d in due_cards(reader, today)] == [r.pk for r in rows]
    for row, days in zip(rows, [-3, 0, 1, 7, 0], strict=True):
        Card.objects.create(
            user=reader,
            item=row,
            interval=1,
            repetitions=1,
            due=today + dt.timedelta(days=days),
            first_reviewed_on=today - dt.timedelta(days=9),
            reviewed_at=timezone.now() - dt.timedelta(days=9),
        )
    assert {d.item.pk for d in due_cards(reader, today)} == {rows[0].pk, rows[1].pk, rows[4].pk}
    # Tomorrow, the card due in a day joins them.
    tomorrow = {d.item.pk for d in due_cards(reader, today + dt.timedelta(days=1))}
    assert tomorrow == {rows[0].pk, rows[1].pk, rows[2].pk, rows[4].pk}


def test_readers_only_drill_rows_they_may_read(guides) -> None:
    reader = UserFactory()
    texts = [d.item.text for d in due_cards(reader, timezone.localdate())]
    assert "Locked" not in texts
    assert texts.count("Stuck") == 2


def test_new_cards_are_limited_per_day(db) -> None:
    rows = "\n".join(f"Prompt {n} | Answer {n}" for n in range(NEW_CARDS_PER_DAY + 5))
    make_guide(slug="many", sections=[[("phrases", f"L | R\n{rows}")]])
    reader = UserFactory()
    today = timezone.localdate()
    assert len(due_cards(reader, today)) == NEW_CARDS_PER_DAY
    first = due_cards(reader, today)[0].item
    grade(reader, first.pk, "good", today)
    assert len(due_cards(reader, today)) == NEW_CARDS_PER_DAY - 1


def test_a_drill_session(guides) -> None:
    client = signed_in(UserFactory())
    page = client.get("/drills/").content.decode()
    assert "4 cards due today" in page  # the premium guide's locked row is not among them
    assert '<summary class="button">Show answer</summary>' in page
    item, seen = shown(page)
    assert Item.objects.get(pk=item).text == "Start"
    assert seen == "new"
    response = client.post("/drills/", {"item": item, "grade": "good", "seen": seen})
    assert response.status_code == 302
    card = Card.objects.get(item_id=item)
    assert (card.interval, card.due) == (1, timezone.localdate() + dt.timedelta(days=1))
    # The same form submitted twice (a double click) is applied once.
    client.post("/drills/", {"item": item, "grade": "good", "seen": seen})
    assert Card.objects.get(item_id=item).interval == 1
    page = client.get("/drills/").content.decode()
    assert "3 cards due today" in page
    # "Again" brings a card back today, after the others.
    item, seen = shown(page)
    client.post("/drills/", {"item": item, "grade": "again", "seen": seen})
    page = client.get("/drills/").content.decode()
    assert "3 cards due today" in page
    assert shown(page)[0] != item


def shown(page: str) -> tuple[int, str]:
    item = re.search(r'name="item" value="(\d+)"', page).group(1)
    return int(item), re.search(r'name="seen" value="([^"]*)"', page).group(1)


@pytest.mark.parametrize(
    "data",
    [{"item": "x", "grade": "good"}, {"item": "1", "grade": "meh"}, {"item": "²", "grade": "good"}],
)
def test_bad_grades_get_a_clear_message(guides, data) -> None:
    client = signed_in(UserFactory())
    response = client.post("/drills/", data, follow=True)
    assert "That answer could not be recorded" in response.content.decode()
    assert not Card.objects.exists()


def test_a_row_edit_keeps_its_schedule_and_a_deleted_row_loses_it(guides) -> None:
    reader = UserFactory()
    today = timezone.localdate()
    block = Block.objects.get(section__guide=guides[1])
    start, stuck = Item.objects.filter(block=block)
    grade(reader, start.pk, "good", today)
    grade(reader, stuck.pk, "good", today)
    block.text = "Moment | What to say\nStart | Let me restate it, in my own words.\n"
    block_save(block=block)
    card = Card.objects.get(user=reader)
    assert card.item_id == start.pk
    assert card.item.answer == "Let me restate it, in my own words."
    assert not Item.objects.filter(pk=stuck.pk).exists()


def test_making_a_plan(guides) -> None:
    client = signed_in(UserFactory())
    today = timezone.localdate()
    page = client.get("/plan/").content.decode()
    assert "Make a plan" in page
    response = client.post(
        "/plan/",
        {"interview_date": (today - dt.timedelta(days=1)).isoformat(), "daily_minutes": "5"},
    )
    assert response.status_code == 200
    errors = response.content.decode()
    assert "The interview date has passed" in errors
    assert "Ensure this value is greater than or equal to 15." in errors
    assert "Choose at least one track." in errors
    interview = today + dt.timedelta(days=5)
    response = client.post(
        "/plan/",
        {
            "interview_date": interview.isoformat(),
            "daily_minutes": "30",
            "tracks": [guides[0].track_id, guides[2].track_id],
        },
        follow=True,
    )
    page = response.content.decode()
    assert "Your plan is ready." in page
    assert page.index(">Today <") < page.index("Read Guide one")
    assert "Drill session" in page
    # Ticking a checklist elsewhere ticks it in the plan.
    for item in Item.objects.filter(block__section__guide=guides[0]):
        client.post("/progress/tick/", {"item": item.pk, "checked": "1"}, **JSON)
    page = client.get("/plan/").content.decode()
    today_block = page[page.index(">Today <") : page.index("</section>", page.index(">Today <"))]
    assert re.search(
        r'class="done">\s*<span class="plan-check" aria-hidden="true">✓</span>\s*<div>\s*'
        r'<a href="/guides/one/">Finish the checklists of Guide one',
        today_block,
    )


def test_a_finished_drill_session_ticks_todays_drill_in_the_plan(guides) -> None:
    reader = UserFactory()
    client = signed_in(reader)
    Plan.objects.create(
        user=reader, interview_date=timezone.localdate() + dt.timedelta(days=3), daily_minutes=60
    ).tracks.set([guides[0].track])
    drill = re.compile(
        r'<li class="(done)?">\s*<span class="plan-check" aria-hidden="true">.</span>\s*<div>'
        r'\s*<a href="/drills/">Drill session'
    )
    assert drill.search(client.get("/plan/").content.decode()).group(1) is None
    while "Nothing due today" not in (page := client.get("/drills/").content.decode()):
        item, seen = shown(page)
        client.post("/drills/", {"item": item, "grade": "good", "seen": seen})
    assert drill.search(client.get("/plan/").content.decode()).group(1) == "done"


def _plan(reader, *tracks) -> None:
    Plan.objects.create(
        user=reader, interview_date=timezone.localdate() + dt.timedelta(days=14), daily_minutes=45
    ).tracks.set(tracks)


def _notice(page: str) -> str:
    start = page.index('class="notice plan-locked"')
    return page[start : page.index("</div>", start)]


def test_a_free_members_plan_names_the_guides_a_subscription_adds(guides) -> None:
    coding, system = guides[0].track, guides[2].track
    make_guide(slug="four", title="Guide four", access="premium", preview_sections=1)
    free = UserFactory()
    _plan(free, coding, system)
    page = signed_in(free).get("/plan/").content.decode()
    notice = _notice(page)
    assert "A subscription adds these 2 guides to your plan" in notice
    assert '<a href="/guides/four/">Guide four</a>' in notice
    assert '<a href="/guides/three/">Guide three</a>' in notice
    assert f"{system.title} · 1 min read" in notice  # each with its track
    assert '<a href="/pricing/">See pricing</a>' in notice
    # The free guides are still planned; the premium ones are named, not planned.
    assert "Read Guide one" in page
    assert "Read Guide three" not in page
    assert "Every guide in the tracks you chose is for subscribers" not in page

    reader = subscriber()
    _plan(reader, coding, system)
    page = signed_in(reader).get("/plan/").content.decode()
    assert "plan-locked" not in page
    assert "See pricing" not in page
    assert "Read Guide three" in page
    assert "Read Guide four" in page


def test_a_free_member_who_chose_only_premium_tracks_is_told_so(guides) -> None:
    free = UserFactory()
    _plan(free, guides[2].track)
    page = signed_in(free).get("/plan/").content.decode()
    notice = _notice(page)
    assert "Every guide in the tracks you chose is for subscribers" in notice
    assert "adds this guide to your plan" in notice
    assert '<a href="/guides/three/">Guide three</a>' in notice
    assert '<a href="/pricing/">See pricing</a>' in notice


def test_naming_the_guides_a_subscription_adds_costs_no_query_per_guide(
    guides, django_assert_max_num_queries
) -> None:
    free = UserFactory()
    _plan(free, guides[0].track, guides[2].track)
    client = signed_in(free)
    client.get("/plan/")  # warm the session and caches as a reader's second view
    with django_assert_max_num_queries(30) as few:
        client.get("/plan/")
    for n in range(5):
        make_guide(slug=f"locked-{n}", access="premium", preview_sections=1)
    with django_assert_max_num_queries(len(few)):
        page = client.get("/plan/").content.decode()
    assert "A subscription adds these 6 guides to your plan" in page
