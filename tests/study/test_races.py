"""What a review found: ticks in flight at once, a page view racing a tick, edits that move or
retype lines, hole marks in guide text, and an invalid plan form."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from articles.models import Block, Guide, Item
from articles.services import block_save, guide_data, guide_upsert
from study.models import Plan, Tick
from study.services.checklists import tick_item
from study.services.state import load_state, reader_state, state_key

from ..conftest import signed_in
from ..factories import UserFactory, make_guide


@pytest.fixture
def guide(db) -> Guide:
    return make_guide(
        slug="races",
        sections=[[("paragraph", "Text."), ("checklist", "One\nTwo\nThree")]],
    )


def item_ids(guide: Guide) -> list[int]:
    return list(Item.objects.filter(block__section__guide=guide).values_list("pk", flat=True))


def test_two_ticks_in_flight_never_undo_each_other(guide) -> None:
    reader = UserFactory()
    one, two, _ = item_ids(guide)
    stale = reader_state(reader)  # what a second request read before the first tick landed
    tick_item(reader, one, True)
    cache.set(state_key(reader.pk), stale)
    tick_item(reader, two, True)
    assert set(Tick.objects.filter(user=reader).values_list("item_id", flat=True)) == {one, two}


def test_a_page_view_racing_a_tick_cannot_cache_the_old_state(guide) -> None:
    reader = UserFactory()
    one = item_ids(guide)[0]
    before = load_state(reader.pk)  # a page view reads the rows...
    tick_item(reader, one, True)  # ...a tick commits...
    cache.set(state_key(reader.pk), before)  # ...and the page view caches what it read
    assert one in reader_state(reader).ticks


def test_reordered_lines_keep_their_items_and_ticks(guide) -> None:
    reader = UserFactory()
    one, two, three = item_ids(guide)
    tick_item(reader, three, True)
    block = Block.objects.get(kind="checklist")
    block.text = "Three\nOne\nTwo"
    block_save(block=block)
    assert list(Item.objects.filter(block=block).values_list("pk", "text")) == [
        (three, "Three"),
        (one, "One"),
        (two, "Two"),
    ]
    assert Tick.objects.filter(user=reader, item_id=three).exists()


def test_a_block_added_above_a_checklist_on_reimport_keeps_its_items(guide) -> None:
    ids = item_ids(guide)
    data = guide_data(guide)
    section = data.sections[0]
    section.blocks.insert(0, type(section.blocks[0])(kind="quote", text="New.", attribution=""))
    guide_upsert(data=data)
    assert item_ids(guide) == ids


def test_a_checklist_retyped_as_a_phrase_table_starts_afresh(guide) -> None:
    reader = UserFactory()
    tick_item(reader, item_ids(guide)[0], True)
    block = Block.objects.get(kind="checklist")
    block.kind, block.text = "phrases", "A | B\nStuck | Say so."
    block_save(block=block)
    assert not Tick.objects.filter(user=reader).exists()
    assert list(Item.objects.filter(block=block).values_list("text", "answer")) == [
        ("Stuck", "Say so.")
    ]


def test_guide_text_cannot_hold_a_hole_mark(db, client: Client) -> None:
    guide = make_guide(
        slug="marks",
        title="A \ue000nonce\ue000 title",
        sections=[[("paragraph", "x\ue000csrf\ue000")]],
    )
    # Stored as the editor typed it; the page (pages.shells.render_fragment) holds no mark.
    page = client.get(guide.get_absolute_url()).content.decode()
    assert "\ue000" not in page
    assert "A nonce title" in page
    assert "xcsrf" in page


def test_an_invalid_plan_form_leaves_the_plan_as_it_was(guide) -> None:
    reader = UserFactory()
    plan = Plan.objects.create(
        user=reader, interview_date=timezone.localdate() + dt.timedelta(days=9), daily_minutes=30
    )
    plan.tracks.set([guide.track])
    client = signed_in(reader)
    page = client.post(
        "/plan/",
        {"interview_date": "not a date", "daily_minutes": "90", "tracks": [guide.track_id]},
    ).content.decode()
    assert "Enter a valid date." in page
    assert "of up to 30 minutes" in page
    assert Plan.objects.get(user=reader).daily_minutes == 30
