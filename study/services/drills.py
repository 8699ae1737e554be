"""Grading a drill card: one SM-2 review, applied once even when the answer is sent twice."""

from __future__ import annotations

import dataclasses
import datetime as dt

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from articles.blocks import Study, registry
from articles.models import Guide, Item

from .. import sm2
from ..exceptions import NotAllowed
from ..models import Card
from ..selectors import readable_section_ids, review_token


@transaction.atomic
def grade(
    user: User, item_id: int, grade_name: str, today: dt.date, seen: str | None = None
) -> Card | None:
    """Apply one review; None when `seen` shows the card was graded since it was shown."""
    item = (
        Item.objects.filter(
            pk=item_id,
            block__kind__in=registry.studied(Study.DRILL),
            block__section__guide__in=Guide.objects.published(),
        )
        .select_related("block__section__guide")
        .first()
    )
    if item is None or item.block.section_id not in readable_section_ids(
        user, item.block.section.guide
    ):
        raise NotAllowed
    # One grading at a time per reader: two submits of a new card never both create it.
    list(get_user_model().objects.select_for_update().filter(pk=user.pk).values_list("pk"))
    card = Card.objects.filter(user=user, item=item).first()
    if seen is not None and seen != review_token(card):
        return None
    before = (
        sm2.Schedule(
            card.repetitions, card.interval, card.ease, card.lapses, card.repeats_today(today)
        )
        if card
        else sm2.Schedule()
    )
    after = sm2.review(before, grade_name)
    card = card or Card(user=user, item=item, first_reviewed_on=today)
    for field in dataclasses.fields(after):
        setattr(card, field.name, getattr(after, field.name))
    card.due = today + dt.timedelta(days=after.interval)
    card.reviewed_at = timezone.now()
    card.save()
    return card
