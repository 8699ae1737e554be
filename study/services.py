"""Reader state: ticks, guides opened and finished, drill reviews and the plan.

A reader's ticks and finished guides are cached together under one key per user (fetched with
the session in the request's single Redis round trip) and forgotten after every change."""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Count, Max, Q
from django.utils import timezone

from articles.models import Block, Guide, Item, Section, Track
from billing.entitlements import can_read

from . import sm2
from .models import Card, Plan, Reading, Tick
from .planner import GuideState, StudyPlan, build_plan

STATE_SECONDS = 60 * 60
READING_SECONDS = 60 * 60
NEW_CARDS_PER_DAY = 20


def state_key(user_id: object) -> str:
    return f"study-state:{user_id}"


def reading_key(user_id: object) -> str:
    return f"study-reading:{user_id}"


def changed_key(user_id: object) -> str:
    return f"study-changed:{user_id}"


@dataclass(frozen=True)
class ReaderState:
    ticks: frozenset[int]
    finished: frozenset[int]
    read_at: float = 0.0  # when the rows were read (before the query began)


def _load_state(user_id: int) -> ReaderState:
    started = time.time()
    ticks = Tick.objects.filter(user_id=user_id).values_list("item_id", flat=True)
    finished = Reading.objects.filter(user_id=user_id, finished_at__isnull=False)
    return ReaderState(
        frozenset(ticks), frozenset(finished.values_list("guide_id", flat=True)), started
    )


def _cached_state(user_id: int) -> ReaderState | None:
    """The cached state, unless a change was committed after its rows were read: a page view
    racing a tick may cache what it read before the tick, and this stamp retires it."""
    state = cache.get(state_key(user_id))
    if state is None:
        return None
    changed = cache.get(changed_key(user_id))
    return state if changed is None or state.read_at > changed else None


def reader_state(user) -> ReaderState:
    state = _cached_state(user.pk)
    if state is None:
        state = _load_state(user.pk)
        cache.set(state_key(user.pk), state, STATE_SECONDS)
    return state


def forget_state(user_id: int) -> None:
    """Mark the reader's state changed now and again once the change is committed, so no state
    read before the commit is used again."""

    def mark() -> None:
        cache.set(changed_key(user_id), time.time(), STATE_SECONDS)

    mark()
    transaction.on_commit(mark)


def open_guide(user, guide_id: int) -> ReaderState:
    """Record that the reader opened this guide and return their state. The upsert is skipped
    while this is the guide they opened last; when both the upsert and the state are needed,
    Postgres does both in one statement. At most one query in every case."""
    opened_before = cache.get(reading_key(user.pk)) == guide_id
    state = _cached_state(user.pk)
    if opened_before and state is not None:
        return state
    now = timezone.now()
    if not opened_before:
        if state is None and connection.vendor == "postgresql":
            started = time.time()
            with connection.cursor() as cursor:
                cursor.execute(
                    f"""
                    WITH opened AS (
                      INSERT INTO {Reading._meta.db_table}
                        (user_id, guide_id, started_at, opened_at, section)
                      VALUES (%s, %s, %s, %s, '')
                      ON CONFLICT (user_id, guide_id) DO UPDATE SET opened_at = EXCLUDED.opened_at
                    )
                    SELECT item_id, NULL FROM {Tick._meta.db_table} WHERE user_id = %s
                    UNION ALL
                    SELECT NULL, guide_id FROM {Reading._meta.db_table}
                      WHERE user_id = %s AND finished_at IS NOT NULL
                    """,
                    [user.pk, guide_id, now, now, user.pk, user.pk],
                )
                rows = cursor.fetchall()
            state = ReaderState(
                frozenset(item for item, _ in rows if item is not None),
                frozenset(guide for _, guide in rows if guide is not None),
                started,
            )
            cache.set(state_key(user.pk), state, STATE_SECONDS)
        else:
            Reading.objects.bulk_create(
                [Reading(user=user, guide_id=guide_id, started_at=now, opened_at=now)],
                update_conflicts=True,
                unique_fields=["user", "guide"],
                update_fields=["opened_at"],
            )
        cache.set(reading_key(user.pk), guide_id, READING_SECONDS)
    return state if state is not None else reader_state(user)


class NotAllowed(Exception):
    """The reader may not act on this item (its section is past their preview)."""


def readable_sections(user, guides: list[Guide]) -> dict[int, list[int]]:
    """For each guide, the ids of the sections this reader may read, in order: one query."""
    ordered: dict[int, list[int]] = {guide.pk: [] for guide in guides}
    rows = Section.objects.filter(guide__in=guides).order_by("guide_id", "position", "id")
    for guide_id, section_id in rows.values_list("guide_id", "id"):
        ordered[guide_id].append(section_id)
    return {
        guide.pk: ordered[guide.pk] if can_read(user, guide) else ordered[guide.pk][: guide.cut]
        for guide in guides
    }


def readable_section_ids(user, guide: Guide) -> list[int]:
    return readable_sections(user, [guide])[guide.pk]


def _checklist_items(**filters) -> list[Item]:
    """Checklist items of published guides."""
    return list(
        Item.objects.filter(
            block__kind=Block.Kind.CHECKLIST,
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
def set_ticks(user, items: list[Item], ticked: set[int]) -> TickResult:
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
    cache.delete(reading_key(user.pk))
    visible = dict(
        Item.objects.filter(
            block__kind=Block.Kind.CHECKLIST, block__section__in=readable
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


def tick_item(user, item_id: int, checked: bool) -> TickResult:
    """One item only: two ticks in flight at once (quick clicks) never undo each other."""
    return set_ticks(user, _checklist_items(pk=item_id), {item_id} if checked else set())


def tick_block(user, block_id: int, item_ids: set[int]) -> TickResult:
    return set_ticks(user, _checklist_items(block_id=block_id), item_ids)


def set_finished(user, guide: Guide, finished: bool) -> None:
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


def record_position(user, guide: Guide, anchor: str) -> None:
    """Only a section the guide has is stored."""
    Reading.objects.filter(user=user, guide=guide, guide__sections__anchor=anchor).update(
        section=anchor, opened_at=timezone.now()
    )


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


def progress(user, tracks: list[Track] | None = None) -> list[TrackProgress]:
    """Per track (all of them, or the ones given), each published guide's progress."""
    published = Guide.objects.published()
    if tracks is not None:
        published = published.filter(track__in=tracks)
    guides = list(
        published.for_listing()
        .annotate(
            checklist_items=Count(
                "sections__blocks__item_rows",
                filter=Q(sections__blocks__kind=Block.Kind.CHECKLIST),
            )
        )
        .order_by("track__position", "published_at", "pk")
    )
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
        n, last = ticked.get(guide.pk, (0, None))
        by_track.setdefault(guide.track_id, []).append(
            GuideProgress(guide, guide.checklist_items, n, readings.get(guide.pk), last)
        )
    tracks = tracks if tracks is not None else list(Track.objects.order_by("position", "title"))
    return [TrackProgress(track, by_track.get(track.pk, [])) for track in tracks]


def has_plan(user) -> bool:
    return Plan.objects.filter(user=user).exists()


def continue_reading(user) -> Reading | None:
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


def _readable_phrase_items(user) -> list[Item]:
    """Phrase rows in sections the reader may read, in reading order."""
    items = list(
        Item.objects.filter(
            block__kind=Block.Kind.PHRASES,
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


def due_cards(user, today: dt.date, items: list[Item] | None = None) -> list[DueCard]:
    """Cards due today: scheduled ones whose due date has come (or graded below Good today), then
    new ones, at most NEW_CARDS_PER_DAY first seen per day. `items`: the reader's phrase rows,
    when the caller has them already."""
    items = _readable_phrase_items(user) if items is None else items
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
    repeats.sort(key=lambda d: d.card.reviewed_at)
    return due + new[: max(NEW_CARDS_PER_DAY - started_today, 0)] + repeats


def review_token(card: Card | None) -> str:
    """Names the state a card was shown in; a grade posted for an older state (a double submit,
    a second tab) is ignored rather than applied twice."""
    return card.reviewed_at.isoformat() if card else "new"


@transaction.atomic
def grade(
    user, item_id: int, grade_name: str, today: dt.date, seen: str | None = None
) -> Card | None:
    """Apply one review; None when `seen` shows the card was graded since it was shown."""
    item = (
        Item.objects.filter(
            pk=item_id,
            block__kind=Block.Kind.PHRASES,
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


def drilled_today(user, today: dt.date, items: list[Item] | None = None) -> bool:
    reviewed = Card.objects.filter(user=user, reviewed_at__date=today).exists()
    return reviewed and not due_cards(user, today, items)


# --- Plan -------------------------------------------------------------------------------------


def study_plan(user, plan: Plan, today: dt.date) -> StudyPlan:
    tracks = list(plan.tracks.order_by("position", "title"))
    states = []
    for entry_track in progress(user, tracks):
        track = entry_track.track
        guides = []
        for entry in entry_track.guides:
            guide = entry.guide
            if not can_read(user, guide):
                continue
            reading = entry.reading
            done_on = None
            if entry.finished:
                finished_at = (
                    reading.finished_at if reading and reading.finished_at else entry.last_ticked_at
                )
                done_on = timezone.localdate(finished_at) if finished_at else today
            guides.append(
                GuideState(
                    guide_id=guide.pk,
                    title=guide.title,
                    url=guide.get_absolute_url(),
                    track=track.title,
                    read_minutes=guide.read_minutes,
                    checklist_items=entry.items,
                    opened_on=timezone.localdate(reading.started_at) if reading else None,
                    checklists_done_on=done_on,
                )
            )
        states.append((track.title, guides))
    phrase_items = _readable_phrase_items(user)
    return build_plan(
        today=today,
        interview=plan.interview_date,
        daily_minutes=plan.daily_minutes,
        tracks=states,
        has_cards=bool(phrase_items),
        drilled_today=drilled_today(user, today, phrase_items),
    )
