"""Peer mock interviews (DESIGN.md, "Mock interviews"): a member's request (kind, tier, level,
focus, windows in UTC with the zone they were entered in), the booking that pairs two requests,
its two rounds (who interviews whom, on what problem, and the shared pad), the feedback each
member gives the other, and the safety records: blocks, reports and strikes."""

from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class MockRequest(models.Model):
    class Kind(models.TextChoices):
        TECHNICAL = "technical", "Technical (coding)"
        SYSTEM_DESIGN = "system-design", "System design"

    class Tier(models.TextChoices):
        BIG_TECH = "big-tech", "Big tech"
        GROWTH = "growth", "Growth company"
        STARTUP = "startup", "Startup"

    class Level(models.TextChoices):
        ENTRY = "entry", "Entry"
        MID = "mid", "Mid-level"
        SENIOR = "senior", "Senior"
        STAFF = "staff", "Staff"

    class Status(models.TextChoices):
        OPEN = "open", "Waiting for a match"
        MATCHED = "matched", "Matched"
        WITHDRAWN = "withdrawn", "Withdrawn"
        # None of its windows can hold a booking any more (the matcher marks it).
        EXPIRED = "expired", "Expired unmatched"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mock_requests"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    tier = models.CharField(max_length=20, choices=Tier.choices)
    level = models.CharField(max_length=20, choices=Level.choices)
    # A pattern's slug for a technical mock, a topic for system design.
    focus = models.CharField(max_length=120)
    time_zone = models.CharField(max_length=64, help_text="The zone the windows were entered in.")
    # [[start, end], ...] as ISO 8601 UTC instants, earliest first.
    windows = models.JSONField(default=list)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    # When it was matched: the time to match is matched_at - created_at.
    matched_at = models.DateTimeField(null=True, blank=True)
    # Set when its booking was cancelled by the partner at least 12 hours ahead: the request is
    # open again and goes to the front of the queue (the matcher considers these first).
    requeued_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind"],
                condition=models.Q(status="open"),
                name="one_open_request_per_kind",
            )
        ]
        indexes = [models.Index(fields=["kind", "status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind} ({self.status})"


def room_key() -> str:
    return secrets.token_urlsafe(18)


class Booking(models.Model):
    """Two requests matched: two rounds back to back from `starts_at` (95 minutes), each member
    interviewing the other once. `uid` and `sequence` are its calendar invitation's."""

    class Status(models.TextChoices):
        BOOKED = "booked", "Booked"
        CANCELED = "canceled", "Canceled"

    kind = models.CharField(max_length=20, choices=MockRequest.Kind.choices)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    first = models.ForeignKey(MockRequest, on_delete=models.PROTECT, related_name="+")
    second = models.ForeignKey(MockRequest, on_delete=models.PROTECT, related_name="+")
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="mock_bookings")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.BOOKED)
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    sequence = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    # The call's room name in MOCKS_CALL_URL's {room}: unguessable.
    room_key = models.CharField(max_length=40, default=room_key, editable=False)
    canceled_at = models.DateTimeField(null=True, blank=True)
    canceled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        indexes = [models.Index(fields=["status", "starts_at"])]

    def __str__(self) -> str:
        return f"{self.kind} mock at {self.starts_at:%Y-%m-%d %H:%M} UTC"


class Block(models.Model):
    """ "Never match me with this person": holds for good, both ways."""

    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    blocked = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["member", "blocked"], name="block_once")]

    def __str__(self) -> str:
        return f"{self.member_id} blocks {self.blocked_id}"


class DesignPrompt(models.Model):
    """A system design mock's problem: what the interviewer states, their hints, and what a
    strong answer covers (the interviewer's "solution"). Imported from content/design-prompts/."""

    slug = models.SlugField(max_length=120, unique=True)
    title = models.CharField(max_length=200)
    topic = models.CharField(
        max_length=120, help_text="What a request's focus names, e.g. caching."
    )
    statement = models.TextField(help_text="Markdown: what the interviewer reads out at 05:00.")
    hints = models.JSONField(default=list, help_text="Each hint's text, in order.")
    solution = models.TextField(help_text="Markdown: what a strong answer covers.")
    is_published = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["topic", "title"]

    def __str__(self) -> str:
        return self.title


class Round(models.Model):
    """One of a booking's two 45-minute rounds: who interviews whom, on what (a practice
    problem for a technical mock, a design prompt for system design), and the shared pad."""

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="rounds")
    number = models.PositiveSmallIntegerField()  # 1 or 2; round 2 starts 50 minutes in
    interviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    candidate = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    problem = models.ForeignKey(
        "practice.Problem", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    prompt = models.ForeignKey(
        DesignPrompt, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The shared pad: its text and how many changes made it (the collaboration version).
    pad_text = models.TextField(blank=True)
    pad_version = models.PositiveIntegerField(default=0)
    # The size of every change kept for it (PadChange, as JSON): a budget that bounds what one
    # round can store however its members push (mocks.pad.MAX_HISTORY_BYTES).
    pad_history_bytes = models.PositiveBigIntegerField(default=0)
    pad_saved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["booking", "number"], name="one_round_per_number")
        ]
        ordering = ["booking", "number"]

    def __str__(self) -> str:
        return f"round {self.number} of booking {self.booking_id}"


class PadChange(models.Model):
    """One accepted change to a round's pad, in order (CodeMirror's collab protocol): a client
    that is behind catches up from these."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="pad_changes")
    version = models.PositiveIntegerField()  # the pad's version this change made
    changes = models.JSONField()  # ChangeSet.toJSON()
    client_id = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["round", "version"], name="one_change_per_version")
        ]

    def __str__(self) -> str:
        return f"change {self.version} of {self.round}"


class Feedback(models.Model):
    """What one member of a round scored the other: five axes 1-4 (mocks.rubric names them),
    what went well and what to work on."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="feedback")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mock_feedback"
    )
    scores = models.JSONField(help_text="{axis key: score 1-4}")
    went_well = models.TextField(blank=True)
    work_on = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["round", "author"], name="one_feedback_per_author")
        ]

    def __str__(self) -> str:
        return f"{self.author_id} on {self.subject_id} ({self.round})"


class Report(models.Model):
    """A member's report of a peer, for staff to read in the admin. It also keeps the two apart
    from then on, as a block does."""

    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    reported = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    booking = models.ForeignKey(
        Booking, null=True, blank=True, on_delete=models.SET_NULL, related_name="reports"
    )
    reason = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    handled_at = models.DateTimeField(null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    staff_note = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"{self.reporter_id} reports {self.reported_id}"


class Strike(models.Model):
    """A cancel less than 12 hours ahead, or a no-show reported by the partner: two in 30 days
    pause the member's requests for 14 days."""

    class Cause(models.TextChoices):
        LATE_CANCEL = "late-cancel", "Cancelled less than 12 hours ahead"
        NO_SHOW = "no-show", "Did not show up"

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mock_strikes"
    )
    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="strikes")
    cause = models.CharField(max_length=20, choices=Cause.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["booking", "member"], name="one_strike_per_booking")
        ]

    def __str__(self) -> str:
        return f"{self.member_id}: {self.cause}"


class RoomVisit(models.Model):
    """A member came to the booking's room around its time (the page, or the pad's socket, from
    half an hour before the start until the end): their partner cannot report them as a
    no-show."""

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="visits")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField(help_text="Their first visit in that time.")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["booking", "member"], name="one_visit_per_member")
        ]

    def __str__(self) -> str:
        return f"{self.member_id} in booking {self.booking_id} at {self.at:%H:%M}"
