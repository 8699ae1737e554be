"""Checklists that remember: ticks saved on the server per reader, shown on every device,
counted per section and per guide, refused past the reader's preview."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from articles.models import Item
from articles.services import block_save
from study.models import Reading, Tick

from ..conftest import signed_in
from ..factories import UserFactory, make_guide, subscriber
from ..helpers import JSON


@pytest.fixture
def guide(db):
    return make_guide(
        slug="checklists",
        access="premium",
        preview_sections=1,
        sections=[
            [("paragraph", "Open text."), ("checklist", "Alpha\nBravo\nCharlie")],
            [("paragraph", "Locked text."), ("checklist", "Delta\nEcho")],
        ],
    )


def items(guide, section: int) -> list[Item]:
    return list(Item.objects.filter(block__section__guide=guide, block__section__position=section))


def checked_ids(html: str) -> set[int]:
    return {int(i) for i in re.findall(r'value="(\d+)" checked', html)}


def test_a_tick_is_saved_and_shown_on_another_device(guide) -> None:
    reader = UserFactory()
    phone, laptop = signed_in(reader), signed_in(reader)
    first, second, _ = items(guide, 0)
    laptop.get(guide.get_absolute_url())  # the laptop's page is cached before the tick
    response = phone.post("/progress/tick/", {"item": first.pk, "checked": "1"}, **JSON)
    assert response.status_code == 200
    assert response.json() == {
        "section": first.block.section_id,
        "section_ticked": 1,
        "section_total": 3,
        "guide_ticked": 1,
        "guide_total": 3,
    }
    page = laptop.get(guide.get_absolute_url()).content.decode()
    assert checked_ids(page) == {first.pk}
    assert '<span class="count">1</span> of 3 ready' in page
    assert '<span class="count">1</span> of 3 checklist items ready' in page
    # Unticking is saved too.
    phone.post("/progress/tick/", {"item": first.pk, "checked": "0"}, **JSON)
    phone.post("/progress/tick/", {"item": second.pk, "checked": "1"}, **JSON)
    assert checked_ids(laptop.get(guide.get_absolute_url()).content.decode()) == {second.pk}


def test_the_form_without_javascript_saves_the_whole_checklist(guide) -> None:
    client = signed_in(UserFactory())
    first, _second, third = items(guide, 0)
    page = client.get(guide.get_absolute_url()).content.decode()
    assert 'action="/progress/checklist/"' in page
    assert "Save checklist" in page
    response = client.post(
        "/progress/checklist/", {"block": first.block_id, "item": [first.pk, third.pk]}
    )
    assert response.status_code == 302
    assert response["Location"] == f"{guide.get_absolute_url()}#{first.block.section.anchor}"
    assert checked_ids(client.get(guide.get_absolute_url()).content.decode()) == {
        first.pk,
        third.pk,
    }


def test_one_reader_never_sees_anothers_ticks(guide) -> None:
    first = items(guide, 0)[0]
    alice, bob = signed_in(UserFactory()), signed_in(UserFactory())
    bob.get(guide.get_absolute_url())
    alice.post("/progress/tick/", {"item": first.pk, "checked": "1"}, **JSON)
    assert checked_ids(bob.get(guide.get_absolute_url()).content.decode()) == set()
    assert checked_ids(alice.get(guide.get_absolute_url()).content.decode()) == {first.pk}


def test_items_past_the_preview_cannot_be_ticked_without_access(guide) -> None:
    locked = items(guide, 1)[0]
    reader = UserFactory()
    client = signed_in(reader)
    response = client.post("/progress/tick/", {"item": locked.pk, "checked": "1"}, **JSON)
    assert response.status_code == 403
    response = client.post("/progress/checklist/", {"block": locked.block_id, "item": locked.pk})
    assert response.status_code == 403
    assert not Tick.objects.filter(user=reader).exists()
    # A subscriber may.
    member = signed_in(subscriber())
    response = member.post("/progress/tick/", {"item": locked.pk, "checked": "1"}, **JSON)
    assert response.status_code == 200
    assert response.json()["guide_total"] == 5


@pytest.mark.parametrize("item", ["", "abc", "999999", "-1", "1" * 40, "²", "١٢"])
def test_bad_items_get_a_clear_error(guide, item: str) -> None:
    client = signed_in(UserFactory())
    response = client.post("/progress/tick/", {"item": item, "checked": "1"}, **JSON)
    assert response.status_code == 404
    assert response.json()["error"] == "No such checklist item."


def test_visitors_are_invited_to_sign_in_and_cannot_tick(client: Client, guide) -> None:
    page = client.get(guide.get_absolute_url()).content.decode()
    assert "to tick items and keep your progress" in page
    assert "csrfmiddlewaretoken" not in page
    assert " disabled>" in page
    first = items(guide, 0)[0]
    response = client.post("/progress/tick/", {"item": first.pk, "checked": "1"})
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_a_guide_view_records_the_opening_once(guide, django_assert_num_queries) -> None:
    reader = UserFactory()
    client = signed_in(reader)
    client.get(guide.get_absolute_url())
    reading = Reading.objects.get(user=reader, guide=guide)
    # Viewing the same guide again writes nothing and reads nothing from Postgres.
    with django_assert_num_queries(0):
        client.get(guide.get_absolute_url())
    assert Reading.objects.get(user=reader, guide=guide).opened_at == reading.opened_at


def test_marking_a_guide_finished_by_hand(guide) -> None:
    reader = UserFactory()
    client = signed_in(reader)
    page = client.get(guide.get_absolute_url()).content.decode()
    assert "Mark it finished" in page
    response = client.post("/progress/finished/", {"guide": guide.pk, "finished": "1"})
    assert response.status_code == 302
    page = client.get(guide.get_absolute_url()).content.decode()
    assert "You marked this guide finished." in page
    assert Reading.objects.get(user=reader, guide=guide).finished_at is not None
    client.post("/progress/finished/", {"guide": guide.pk, "finished": "0"})
    assert "Mark it finished" in client.get(guide.get_absolute_url()).content.decode()


def test_editing_an_item_keeps_its_ticks_and_deleting_it_drops_them(guide) -> None:
    reader = UserFactory()
    client = signed_in(reader)
    first, second, third = items(guide, 0)
    for item in (first, second, third):
        client.post("/progress/tick/", {"item": item.pk, "checked": "1"}, **JSON)
    block = first.block
    block.text = "Alpha, reworded\nCharlie"
    block_save(block=block)
    assert [(i.pk, i.text) for i in items(guide, 0)] == [
        (first.pk, "Alpha, reworded"),
        (third.pk, "Charlie"),
    ]
    assert set(Tick.objects.filter(user=reader).values_list("item_id", flat=True)) == {
        first.pk,
        third.pk,
    }
