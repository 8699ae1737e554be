"""Reads of a reader's study data: which sections they may read, their progress per track, the
guide to continue, and the drill cards due today. Nothing here writes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Max, Q

from accounts.models import User
from articles.blocks import Study, registry
from articles.models import Guide, Item, Section, Track
from billing.entitlements import can_read

from .models import Card, Plan, Reading, Tick

NEW_CARDS_PER_DAY = 20


def readable_sections(user: User, guides: list[Guide]) -> dict[int, list[int]]:
    """For each guide, the ids of the sections this reader may read, in order: one query."""
    ordered: dict[int, list[int]] = {guide.pk: [] for guide in guides}
    rows = Section.objects.filter(guide__in=guides).order_by("guide_id", "position", "id")
    for guide_id, section_id in rows.values_list("guide_id", "id"):
        ordered[guide_id].append(section_id)
    return {
        guide.pk: ordered[guide.pk] if can_read(user, guide) else ordered[guide.pk][: guide.cut]
        for guide in guides
    }


def readable_section_ids(user: User, guide: Guide) -> list[int]:
    return readable_sections(user, [guide])[guide.pk]


# --- Progress ---------------------------------------------------------------------------------


@dataclass
class GuideProgress:
    guide: Guide
    items: int
    ticked: int
    reading: Reading | None
    last_ticked_at: dt.datetime | None = None

    @property
    def started(self) -> bool:
        return self.reading is not None or self.ticked > 0

    @property
    def finished(self) -> bool:
        by_hand = self.reading is not None and self.reading.finished_at is not None
        return by_hand or (self.items > 0 and self.ticked >= self.items)


@dataclass
class TrackProgress:
    """A track's guides and their totals (with no track: the totals of all of them)."""

    track: Track | None
    guides: list[GuideProgress]

    def __post_init__(self) -> None:
        self.started = sum(g.started for g in self.guides)
        self.finished = sum(g.finished for g in self.guides)
        self.items = sum(g.items for g in self.guides)
        self.ticked = sum(g.ticked for g in self.guides)


def _listed_guides(tracks: list[Track] | None) -> list[Guide]:
    """The published guides (of these tracks, or all), each with its checklist items counted."""
    published = Guide.objects.published()
    if tracks is not None:
        published = published.filter(track__in=tracks)
    return list(
        published.for_listing()
        .annotate(
            checklist_items=Count(
                "sections__blocks__item_rows",
                filter=Q(sections__blocks__kind__in=registry.studied(Study.TICK)),
            )
        )
        .order_by("track__position", "published_at", "pk")
    )


def _guide_progress(
    guide: Guide, ticked: dict[int, tuple[int, dt.datetime | None]], readings: dict[int, Reading]
) -> GuideProgress:
    n, last = ticked.get(guide.pk, (0, None))
    return GuideProgress(guide, guide.checklist_items, n, readings.get(guide.pk), last)  # type: ignore[attr-defined]


def progress(user: User, tracks: list[Track] | None = None) -> list[TrackProgress]:
    """Per track (all of them, or the ones given), each published guide's progress."""
    guides = _listed_guides(tracks)
    ticked = {
        guide_id: (n, last)
        for guide_id, n, last in Tick.objects.filter(user=user)
        .values_list("guide_id")
        .annotate(n=Count("*"), last=Max("ticked_at"))
        .values_list("guide_id", "n", "last")
    }
    readings = {r.guide_id: r for r in Reading.objects.filter(user=user)}
    by_track: dict[int, list[GuideProgress]] = {}
    for guide in guides:
        by_track.setdefault(guide.track_id, []).append(_guide_progress(guide, ticked, readings))
    tracks = tracks if tracks is not None else list(Track.objects.order_by("position", "title"))
    return [TrackProgress(track, by_track.get(track.pk, [])) for track in tracks]


def progress_totals(user_ids: list[int]) -> dict[int, TrackProgress]:
    """Each of these readers' totals over every published guide (what /progress/ heads its
    page with), for many readers at once: three queries however many."""
    guides = _listed_guides(None)
    ticked: dict[int, dict[int, tuple[int, dt.datetime | None]]] = {u: {} for u in user_ids}
    for user_id, guide_id, n, last in (
        Tick.objects.filter(user_id__in=user_ids)
        .values_list("user_id", "guide_id")
        .annotate(n=Count("*"), last=Max("ticked_at"))
        .values_list("user_id", "guide_id", "n", "last")
    ):
        ticked[user_id][guide_id] = (n, last)
    readings: dict[int, dict[int, Reading]] = {u: {} for u in user_ids}
    for reading in Reading.objects.filter(user_id__in=user_ids):
        readings[reading.user_id][reading.guide_id] = reading
    return {
        user_id: TrackProgress(
            None, [_guide_progress(g, ticked[user_id], readings[user_id]) for g in guides]
        )
        for user_id in user_ids
    }


def has_plan(user: User) -> bool:
    return Plan.objects.filter(user=user).exists()


def continue_reading(user: User) -> Reading | None:
    """The guide (and section) the reader opened last and has not finished, if it is still
    published."""
    return (
        Reading.objects.filter(
            user=user, guide__in=Guide.objects.published(), finished_at__isnull=True
        )
        .select_related("guide")
        .order_by("-opened_at")
        .first()
    )


# --- Drills -----------------------------------------------------------------------------------


def readable_phrase_items(user: User) -> list[Item]:
    """Phrase rows in sections the reader may read, in reading order."""
    items = list(
        Item.objects.filter(
            block__kind__in=registry.studied(Study.DRILL),
            block__section__guide__in=Guide.objects.published(),
        )
        .select_related("block__section__guide")
        .order_by(
            "block__section__guide__published_at",
            "block__section__guide_id",
            "block__section__position",
            "block__position",
            "position",
        )
    )
    guides = {item.block.section.guide_id: item.block.section.guide for item in items}
    allowed = {pk: set(ids) for pk, ids in readable_sections(user, list(guides.values())).items()}
    return [item for item in items if item.block.section_id in allowed[item.block.section.guide_id]]


@dataclass(frozen=True)
class DueCard:
    item: Item
    card: Card | None  # None: a new card, never reviewed


def due_cards(user: User, today: dt.date, items: list[Item] | None = None) -> list[DueCard]:
    """Cards due today: scheduled ones whose due date has come (or graded below Good today), then
    new ones, at most NEW_CARDS_PER_DAY first seen per day. `items`: the reader's phrase rows,
    when the caller has them already."""
    items = readable_phrase_items(user) if items is None else items
    cards = {c.item_id: c for c in Card.objects.filter(user=user)}
    due: list[DueCard] = []
    new: list[DueCard] = []
    repeats: list[DueCard] = []
    for item in items:
        card = cards.get(item.pk)
        if card is None:
            new.append(DueCard(item, None))
        elif card.repeats_today(today):
            repeats.append(DueCard(item, card))
        elif card.due <= today:
            due.append(DueCard(item, card))
    started_today = sum(1 for c in cards.values() if c.first_reviewed_on == today)
    # Cards answered badly today come back after the others, not straight away.
    repeats.sort(key=lambda d: d.card.reviewed_at if d.card else today)
    return due + new[: max(NEW_CARDS_PER_DAY - started_today, 0)] + repeats


def review_token(card: Card | None) -> str:
    """Names the state a card was shown in; a grade posted for an older state (a double submit,
    a second tab) is ignored rather than applied twice."""
    return card.reviewed_at.isoformat() if card else "new"


def drilled_today(user: User, today: dt.date, items: list[Item] | None = None) -> bool:
    reviewed = Card.objects.filter(user=user, reviewed_at__date=today).exists()
    return reviewed and not due_cards(user, today, items)
