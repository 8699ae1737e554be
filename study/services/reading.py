"""Where a reader is in a guide: marking it finished (or not) and the section they reached."""

from __future__ import annotations

from django.utils import timezone

from accounts.models import User
from articles.models import Guide

from ..models import Reading
from .state import forget_state


def set_finished(user: User, guide: Guide, finished: bool) -> None:
    now = timezone.now()
    Reading.objects.bulk_create(
        [
            Reading(
                user=user,
                guide=guide,
                started_at=now,
                opened_at=now,
                finished_at=now if finished else None,
            )
        ],
        update_conflicts=True,
        unique_fields=["user", "guide"],
        update_fields=["finished_at"],
    )
    forget_state(user.pk)


def record_position(user: User, guide: Guide, anchor: str) -> None:
    """Only a section the guide has is stored."""
    Reading.objects.filter(user=user, guide=guide, guide__sections__anchor=anchor).update(
        section=anchor, opened_at=timezone.now()
    )
