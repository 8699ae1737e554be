"""Ticking checklist items, one at a time (the guide page's script) or a whole checklist at
once (the form without JavaScript), in sections the reader may read."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from articles.blocks import Study, registry
from articles.models import Guide, Item, Section

from ..exceptions import NotAllowed
from ..models import Reading, Tick
from ..selectors import readable_section_ids
from .state import forget_opened, forget_state


def _checklist_items(**filters: object) -> list[Item]:
    """Checklist items of published guides."""
    return list(
        Item.objects.filter(
            block__kind__in=registry.studied(Study.TICK),
            block__section__guide__in=Guide.objects.published(),
            **filters,
        ).select_related("block__section__guide__track")
    )


@dataclass(frozen=True)
class TickResult:
    guide: Guide
    section: Section
    section_ticked: int
    section_total: int
    guide_ticked: int
    guide_total: int


@transaction.atomic
def set_ticks(user: User, items: list[Item], ticked: set[int]) -> TickResult:
    """Tick the items in `ticked` and untick the other `items` (all of one section, from
    _checklist_items: a published guide) for this reader, in a section they may read."""
    if not items:
        raise Item.DoesNotExist
    section = items[0].block.section
    guide = section.guide
    readable = readable_section_ids(user, guide)
    if section.pk not in readable:
        raise NotAllowed
    now = timezone.now()
    Tick.objects.bulk_create(
        [
            Tick(user=user, item=item, guide=guide, ticked_at=now)
            for item in items
            if item.pk in ticked
        ],
        ignore_conflicts=True,
    )
    Tick.objects.filter(user=user, item__in=[i.pk for i in items if i.pk not in ticked]).delete()
    Reading.objects.bulk_create(
        [Reading(user=user, guide=guide, started_at=now, opened_at=now, section=section.anchor)],
        update_conflicts=True,
        unique_fields=["user", "guide"],
        update_fields=["opened_at", "section"],
    )
    forget_state(user.pk)
    forget_opened(user.pk)
    visible = dict(
        Item.objects.filter(
            block__kind__in=registry.studied(Study.TICK), block__section__in=readable
        ).values_list("pk", "block__section_id")
    )
    mine = set(Tick.objects.filter(user=user, guide=guide).values_list("item_id", flat=True))
    in_section = [pk for pk, section_id in visible.items() if section_id == section.pk]
    return TickResult(
        guide=guide,
        section=section,
        section_ticked=len(mine.intersection(in_section)),
        section_total=len(in_section),
        guide_ticked=len(mine.intersection(visible)),
        guide_total=len(visible),
    )


def tick_item(user: User, item_id: int, checked: bool) -> TickResult:
    """One item only: two ticks in flight at once (quick clicks) never undo each other."""
    return set_ticks(user, _checklist_items(pk=item_id), {item_id} if checked else set())


def tick_block(user: User, block_id: int, item_ids: set[int]) -> TickResult:
    return set_ticks(user, _checklist_items(block_id=block_id), item_ids)
