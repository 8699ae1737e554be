"""The booking's emails (DESIGN.md, "Mock interviews", Booking), each recorded once per cause and
sent by a task through the site's one path for email (mail.outbox), from
templates/emails/<kind>.{txt,html} and <kind>_subject.txt:

- booked: to each member when the matcher books them, with the time on their own clock (their
  request's zone), the partner's display name, the room's link and the invitation
  (`METHOD:REQUEST`);
- reminder: 24 hours and 1 hour before, each once (beat's `send_mock_reminders`), the 24-hour
  one only for a booking made more than 24 hours ahead; none once it is cancelled (one not sent
  yet is dropped then);
- canceled: to both when one cancels, with the invitation's `METHOD:CANCEL`;
- no-show: to the member their partner reported as not having come (a strike: they should know,
  and when it pauses their requests, until when).

A cause names the booking, the member and the booking's sequence (its invitation's), so a
rebooked or changed booking gets emails of its own and a repeat of the same change none."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from django.conf import settings
from django.db import models
from django.urls import reverse

from accounts.models import User
from mail.models import Email
from mail.outbox import Attachment, email_queue

from .invitations import FILENAME, invitation
from .models import Booking, MockRequest
from .people import peer_name
from .room import until_words

FREE_CANCEL_BEFORE = dt.timedelta(hours=12)
# (name in the cause, how long before the start, said in the email)
REMINDERS = (("24h", dt.timedelta(hours=24), "24 hours"), ("1h", dt.timedelta(hours=1), "1 hour"))
# A reminder sent this much after its mark (beat runs every 5 minutes) still says "24 hours" or
# "1 hour"; one sent later (beat was down) says the time really left.
ON_TIME = dt.timedelta(minutes=15)


class Kind(models.TextChoices):
    """The mocks' emails, each rendered from templates/emails/<kind>.*."""

    BOOKED = "mock_booked", "Mock booked"
    REMINDER = "mock_reminder", "Mock reminder"
    CANCELED = "mock_canceled", "Mock canceled"
    NO_SHOW = "mock_no_show", "Mock no-show reported"


def room_path(booking: Booking) -> str:
    return reverse("mocks:room", args=[booking.pk])


def room_url(booking: Booking) -> str:
    return f"{settings.SITE_URL}{room_path(booking)}"


def local_time(moment: dt.datetime, zone: str) -> dt.datetime:
    try:
        return moment.astimezone(zoneinfo.ZoneInfo(zone))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return moment.astimezone(dt.UTC)


def moment_in_words(moment: dt.datetime, zone: str) -> str:
    """`Tuesday 8 December 2026 at 06:15 PST` on the clock of `zone`."""
    local = local_time(moment, zone)
    return f"{local:%A} {local.day} {local:%B %Y} at {local:%H:%M %Z}"


def span_in_words(booking: Booking, zone: str) -> str:
    """`Tuesday 8 December 2026, 06:15 to 07:50 PST (America/Los_Angeles)`; the zone's name is
    left out when it is its abbreviation (UTC)."""
    start, end = local_time(booking.starts_at, zone), local_time(booking.ends_at, zone)
    name = str(start.tzinfo)
    named = f" ({name})" if name != f"{end:%Z}" else ""
    return f"{start:%A} {start.day} {start:%B %Y}, {start:%H:%M} to {end:%H:%M %Z}{named}"


def seats(booking: Booking) -> list[tuple[MockRequest, MockRequest]]:
    """Each member's request with their partner's: (theirs, the partner's), for both."""
    first, second = booking.first, booking.second
    return [(first, second), (second, first)]


def cause(booking: Booking, member: User, suffix: str = "") -> str:
    tail = f"-{suffix}" if suffix else ""
    return f"booking-{booking.pk}-member-{member.pk}-seq-{booking.sequence}{tail}"


def _context(booking: Booking, mine: MockRequest, partner: User) -> dict[str, Any]:
    return {
        "kind": booking.get_kind_display(),
        "partner": peer_name(partner),
        "when": span_in_words(booking, mine.time_zone),
        "room_path": room_path(booking),
        "free_cancel_until": moment_in_words(
            booking.starts_at - FREE_CANCEL_BEFORE, mine.time_zone
        ),
    }


def _invitation(booking: Booking, member: User, partner: User, method: str) -> Attachment:
    return {
        "filename": FILENAME,
        "content": invitation(
            booking, member=member, partner=partner, room_url=room_url(booking), method=method
        ),
        "content_type": "text/calendar",
        "params": {"method": method},
    }


def booked_emails_queue(booking: Booking) -> None:
    """ "Your mock is booked" to both members, each with their invitation (queued after
    commit, once per member and sequence)."""
    for mine, theirs in seats(booking):
        email_queue(
            kind=Kind.BOOKED,
            cause=cause(booking, mine.user),
            user=mine.user,
            context=_context(booking, mine, theirs.user),
            attachments=[_invitation(booking, mine.user, theirs.user, "REQUEST")],
        )


def canceled_emails_queue(
    booking: Booking,
    *,
    late: bool,
    reopened: bool,
    kept_other: bool,
    paused_until: dt.datetime | None = None,
) -> None:
    """The cancellation to both members, with the invitation's CANCEL (the booking's sequence
    raised already). `late`: less than 12 hours ahead, so it counts against the canceller (and
    `paused_until`: it paused their requests); `reopened`: the partner's request is back in the
    queue, at its front; `kept_other`: it was not, because the partner has another open request
    of that kind."""
    for mine, theirs in seats(booking):
        canceller = booking.canceled_by_id == mine.user_id
        context = _context(booking, mine, theirs.user) | {
            "by_you": canceller,
            "late": late,
            "reopened": reopened and not canceller,
            "kept_other": kept_other and not canceller,
            "paused_until": moment_in_words(paused_until, mine.time_zone)
            if canceller and paused_until
            else "",
        }
        email_queue(
            kind=Kind.CANCELED,
            cause=cause(booking, mine.user),
            user=mine.user,
            context=context,
            attachments=[_invitation(booking, mine.user, theirs.user, "CANCEL")],
        )


def reminders_withdraw(booking: Booking) -> int:
    """The booking's reminders recorded but not sent yet (their task waits on a retry or was
    lost) are dropped when it is cancelled: no reminder of a mock that will not happen. How
    many."""
    deleted, _ = Email.objects.filter(
        kind=Kind.REMINDER, cause__startswith=f"booking-{booking.pk}-member-", sent_at__isnull=True
    ).delete()
    return deleted


def no_show_email_queue(
    booking: Booking, *, member: User, paused_until: dt.datetime | None
) -> None:
    """To the member reported as not having come: it counts against them, and whether it
    paused their requests."""
    for mine, theirs in seats(booking):
        if mine.user_id != member.pk:
            continue
        email_queue(
            kind=Kind.NO_SHOW,
            cause=cause(booking, member),
            user=member,
            context=_context(booking, mine, theirs.user)
            | {
                "paused_until": moment_in_words(paused_until, mine.time_zone)
                if paused_until
                else ""
            },
        )


def reminder_emails_queue(now: dt.datetime) -> int:
    """The reminders due now, each once: 24 hours before (for a booking made more than 24
    hours ahead) until the 1-hour one is due, and 1 hour before until the start. How many
    were queued."""
    bookings = list(
        Booking.objects.filter(
            status=Booking.Status.BOOKED,
            starts_at__gt=now,
            starts_at__lte=now + REMINDERS[0][1],
        ).select_related("first__user", "second__user")
    )
    due: list[tuple[Booking, MockRequest, MockRequest, str, str]] = []
    for booking in bookings:
        for name, before, words in REMINDERS:
            later = [b for _, b, _ in REMINDERS if b < before]
            window_ends = max(later, default=dt.timedelta(0))
            if not (window_ends < booking.starts_at - now <= before):
                continue
            if booking.starts_at - booking.created_at <= before:
                continue  # booked less ahead than this: the booking's email was enough
            left = booking.starts_at - now
            lead = words if left > before - ON_TIME else until_words(left)
            for mine, theirs in seats(booking):
                due.append((booking, mine, theirs, name, lead))
    if not due:
        return 0
    causes = [cause(b, mine.user, name) for b, mine, _, name, _ in due]
    sent = set(
        Email.objects.filter(kind=Kind.REMINDER, cause__in=causes).values_list("cause", flat=True)
    )
    queued = 0
    for (booking, mine, theirs, _, words), reason in zip(due, causes, strict=True):
        if reason in sent:
            continue
        email_queue(
            kind=Kind.REMINDER,
            cause=reason,
            user=mine.user,
            context=_context(booking, mine, theirs.user) | {"lead": words},
        )
        queued += 1
    return queued
