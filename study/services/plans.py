"""A reader's study plan: saving what they asked for, and building the day-by-day plan from
their progress (the scheduling itself is study.planner, pure Python)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from articles.models import Guide, Track
from billing.entitlements import can_read

from ..models import Plan
from ..planner import GuideState, ProblemState, StudyPlan, build_plan
from ..selectors import GuideProgress, drilled_today, progress, readable_phrase_items


@transaction.atomic
def save_plan(
    user: User, *, interview_date: dt.date, daily_minutes: int, tracks: Iterable[Track]
) -> Plan:
    """Create the reader's plan or replace what it asks for. Two first submissions at once
    (a double click) make one plan: the second updates the first."""
    plan, _ = Plan.objects.update_or_create(
        user=user, defaults={"interview_date": interview_date, "daily_minutes": daily_minutes}
    )
    plan.tracks.set(tracks)
    return plan


def _guide_state(entry: GuideProgress, track: str, today: dt.date) -> GuideState:
    """A guide as the planner takes it."""
    guide = entry.guide
    reading = entry.reading
    done_on = None
    if entry.finished:
        finished_at = (
            reading.finished_at if reading and reading.finished_at else entry.last_ticked_at
        )
        done_on = timezone.localdate(finished_at) if finished_at else today
    return GuideState(
        guide_id=guide.pk,
        title=guide.title,
        url=guide.get_absolute_url(),
        track=track,
        read_minutes=guide.read_minutes,
        checklist_items=entry.items,
        opened_on=timezone.localdate(reading.started_at) if reading else None,
        checklists_done_on=done_on,
    )


def axis_guide_ids(axis: str) -> list[int]:
    """The published guides that name this rubric axis in their front matter, oldest first."""
    guides = (
        Guide.objects.published()
        .exclude(axes=[])
        .order_by("published_at", "pk")
        .values_list("pk", "axes")
    )
    return [pk for pk, axes in guides if axis in axes]


def study_plan(
    user: User,
    plan: Plan,
    today: dt.date,
    *,
    first_guides: Sequence[int] = (),
    problems: Sequence[ProblemState] = (),
    weak_axis: tuple[str, str] | None = None,
) -> StudyPlan:
    """The plan from today; `first_guides` and `problems` as study.planner.build_plan takes them
    (the caller's: the weak-set's guides and problems); `weak_axis` (key, name): the weakest
    axis of the reader's recent mocks, whose guides (articles' `axes`) lead the plan."""
    tracks = list(plan.tracks.order_by("position", "title"))
    leading = axis_guide_ids(weak_axis[0]) if weak_axis else []
    # The tracks of the guides about the axis that the plan does not cover.
    extra = (
        list(
            Track.objects.filter(guides__pk__in=leading)
            .exclude(pk__in=[track.pk for track in tracks])
            .distinct()
            .order_by("position", "title")
        )
        if leading
        else []
    )
    states = []
    lead: dict[int, GuideState] = {}
    # The chosen tracks' guides the reader may not read yet: what a subscription adds.
    locked: list[GuideState] = []
    label = f"Your weakest mock axis: {weak_axis[1]}" if weak_axis else ""
    for entry_track in progress(user, [*tracks, *extra]):
        track = entry_track.track
        assert track is not None  # progress() was given these tracks
        guides = []
        for entry in entry_track.guides:
            if not can_read(user, entry.guide):
                if track in tracks and not entry.finished:
                    locked.append(_guide_state(entry, track.title, today))
                continue
            if entry.guide.pk in leading:
                state = _guide_state(entry, label, today)
                lead[state.guide_id] = state
            if track in tracks:
                guides.append(_guide_state(entry, track.title, today))
        if track in tracks:
            states.append((track.title, guides))
    phrase_items = readable_phrase_items(user)
    return build_plan(
        today=today,
        interview=plan.interview_date,
        daily_minutes=plan.daily_minutes,
        tracks=states,
        has_cards=bool(phrase_items),
        drilled_today=drilled_today(user, today, phrase_items),
        first_guides=first_guides,
        problems=problems,
        lead_guides=[lead[pk] for pk in leading if pk in lead],
        locked=locked,
    )
