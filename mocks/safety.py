"""Keeping members safe from each other (DESIGN.md, "Mock interviews", Safety): "never match me
with this person" (a Block, for good, both ways: the matcher reads them), and a report of a peer
for staff to read in the admin, which blocks the pair too."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import User

from .models import Block, Booking, Report

REASON_LIMIT = 4000


class SafetyRefused(Exception):
    """The report or block cannot be made; the message says why, in words for the member."""


def other_member(booking_id: int, member: User) -> tuple[Booking, User]:
    """The booking (the member's) and the other member in it, or SafetyRefused."""
    booking = Booking.objects.filter(pk=booking_id, members=member).first()
    other = booking.members.exclude(pk=member.pk).first() if booking else None
    if booking is None or other is None:
        raise SafetyRefused("No such mock of yours.")
    return booking, other


def block_create(*, member: User, blocked: User, now: dt.datetime | None = None) -> Block:
    """The member never matched with `blocked` again (a second block of the same peer is the
    first one)."""
    if member.pk == blocked.pk:
        raise SafetyRefused("You cannot block yourself.")
    found = Block.objects.filter(member=member, blocked=blocked).first()
    if found:
        return found
    try:
        with transaction.atomic():
            return Block.objects.create(
                member=member, blocked=blocked, created_at=now or timezone.now()
            )
    except IntegrityError:  # the same block sent twice at once
        return Block.objects.get(member=member, blocked=blocked)


@transaction.atomic
def block_peer(*, member: User, booking_id: int) -> tuple[Block, User]:
    """Block the other member of one of the member's bookings."""
    _, other = other_member(booking_id, member)
    return block_create(member=member, blocked=other), other


@transaction.atomic
def report_create(
    *, reporter: User, booking_id: int, reason: str, now: dt.datetime | None = None
) -> Report:
    """A report of the other member of the booking for staff, and a block of them. One open
    report per booking and reporter: a second, while staff have not handled the first, is
    refused (the first is still waiting)."""
    now = now or timezone.now()
    reason = reason.strip()
    if not reason:
        raise SafetyRefused("Say what happened: staff read every report.")
    if len(reason) > REASON_LIMIT:
        raise SafetyRefused(f"Keep the reason under {REASON_LIMIT} characters.")
    booking, other = other_member(booking_id, reporter)
    # The reporter's row, locked: two reports sent at once are one after the other here.
    User.objects.select_for_update().filter(pk=reporter.pk).first()
    if Report.objects.filter(reporter=reporter, booking=booking, handled_at__isnull=True).exists():
        raise SafetyRefused("You have reported this mock already: staff will read it.")
    report = Report.objects.create(
        reporter=reporter, reported=other, booking=booking, reason=reason, created_at=now
    )
    block_create(member=reporter, blocked=other, now=now)
    return report


def reports_handle(
    *, reports: QuerySet[Report], staff: User, now: dt.datetime | None = None
) -> int:
    """Mark the unhandled ones among `reports` handled by `staff`; how many were."""
    return reports.filter(handled_at__isnull=True).update(
        handled_at=now or timezone.now(), handled_by=staff
    )


def blocked_ids(member: User) -> set[int]:
    """Everyone the member blocked (their pages offer no second block of them)."""
    return set(Block.objects.filter(member=member).values_list("blocked_id", flat=True))
