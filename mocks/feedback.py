"""Feedback after a round (DESIGN.md, "Mock interviews", Feedback). The rubric's axes
(mocks.rubric) describe how the candidate did, so in each round its interviewer scores its
candidate, once, from the round's feedback phase (40 minutes in) on; the candidate sends nothing
for that round. A booking's two rounds swap the roles, so each member scores the other once and
is scored once. What a member received as candidate stays hidden until they have sent theirs
for the booking (in the round where they interviewed), or until 72 hours after the round they
were candidate in ended, so nobody scores in answer to their own scores. The weakest axis of a
member's last three scored rounds is what their study plan works on."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import User

from .models import Booking, Feedback, Round
from .people import peer_name
from .room import statement_shown
from .rounds import round_ends, round_starts
from .rubric import SCORES, Axis, axes_for, axis_named

OPENS_AFTER = dt.timedelta(minutes=40)  # the round's feedback phase (40:00)
REVEAL_AFTER = dt.timedelta(hours=72)
RECENT_ROUNDS = 3  # how many scored rounds the weakest axis is taken over
TEXT_LIMIT = 4000


class FeedbackRefused(Exception):
    """The feedback cannot be sent; the message says why, in words for the member."""


def feedback_opens(round_: Round) -> dt.datetime:
    return round_starts(round_.booking, round_.number) + OPENS_AFTER


def reveal_at(round_: Round) -> dt.datetime:
    """When what the candidate received in this round shows even if they sent nothing."""
    return round_ends(round_.booking, round_.number) + REVEAL_AFTER


def other_round(number: int) -> int:
    """The booking's other round, where the two members' roles are swapped."""
    return 2 if number == 1 else 1


def partner_in(round_: Round, member: User) -> User:
    return round_.candidate if round_.interviewer_id == member.pk else round_.interviewer


def role_in(round_: Round, member: User) -> str:
    return "interviewer" if round_.interviewer_id == member.pk else "candidate"


@dataclass(frozen=True)
class Score:
    axis: Axis
    score: int

    @property
    def meaning(self) -> str:
        return self.axis.meaning(self.score)


@dataclass(frozen=True)
class RoundFeedback:
    """One round as one of its members sees its feedback: as its interviewer, what they sent
    (or the form); as its candidate, what they received, shown or not yet."""

    round: Round
    role: str  # the member's: "interviewer" or "candidate"
    partner: User
    axes: tuple[Axis, ...]
    opens_at: dt.datetime  # when the interviewer's form opens
    reveal_at: dt.datetime  # when the candidate sees what they received even if they sent none
    feedback: Feedback | None  # the round's one feedback, the interviewer's on the candidate
    sent_theirs: bool  # the member has sent their feedback for this booking (as interviewer)
    now: dt.datetime

    @property
    def partner_name(self) -> str:
        return peer_name(self.partner)

    @property
    def is_interviewer(self) -> bool:
        return self.role == "interviewer"

    @property
    def problem_shown(self) -> bool:
        """Whether the member may read which problem the round is on: as its candidate, only
        from the moment it is stated (05:00 into the round), as in the room."""
        return self.is_interviewer or statement_shown(self.round, self.round.candidate_id, self.now)

    @property
    def scoring_round(self) -> int:
        """The number of the booking's round where this round's candidate interviews."""
        return other_round(self.round.number)

    @property
    def is_open(self) -> bool:
        return self.now >= self.opens_at

    @property
    def sent(self) -> Feedback | None:
        """What the member sent, when they interviewed in this round."""
        return self.feedback if self.is_interviewer else None

    @property
    def received(self) -> Feedback | None:
        """What the member received, when they were the candidate, shown or not."""
        return None if self.is_interviewer else self.feedback

    @property
    def received_shown(self) -> bool:
        return self.received is not None and (self.sent_theirs or self.now >= self.reveal_at)

    @property
    def received_scores(self) -> list[Score]:
        if not self.received_shown or self.received is None:
            return []
        return scores_of(self.received, self.axes)


def scores_of(feedback: Feedback, axes: tuple[Axis, ...]) -> list[Score]:
    return [
        Score(axis, int(feedback.scores[axis.key])) for axis in axes if axis.key in feedback.scores
    ]


def member_booking(member: User, booking_id: int) -> Booking | None:
    """The booking when the member is one of its two; None for anyone else's."""
    return (
        Booking.objects.filter(pk=booking_id, members=member)
        .select_related("first", "second")
        .first()
    )


def member_rounds(
    booking: Booking, member: User, now: dt.datetime | None = None
) -> list[RoundFeedback]:
    """The booking's rounds the member took part in (both: one as interviewer, one as
    candidate), each with its feedback: two queries."""
    now = now or timezone.now()
    rounds = list(
        Round.objects.filter(booking=booking)
        .filter(Q(interviewer=member) | Q(candidate=member))
        .select_related("interviewer", "candidate", "problem", "prompt")
        .order_by("number")
    )
    for round_ in rounds:
        round_.booking = booking
    return with_feedback(rounds, member, now)


def with_feedback(rounds: list[Round], member: User, now: dt.datetime) -> list[RoundFeedback]:
    """Each round with its feedback, as the member sees it: one query for the feedback of all
    their rounds' bookings (whether they sent theirs for a booking may be in a round not in
    `rounds`)."""
    by_round: dict[int, Feedback] = {}
    sent_for: set[int] = set()  # bookings the member has sent their feedback for
    for given in Feedback.objects.filter(
        round__booking__in={round_.booking_id for round_ in rounds}
    ).select_related("round"):
        by_round[given.round_id] = given
        if given.author_id == member.pk:
            sent_for.add(given.round.booking_id)
    return [
        RoundFeedback(
            round=round_,
            role=role_in(round_, member),
            partner=partner_in(round_, member),
            axes=axes_for(round_.booking.kind),
            opens_at=feedback_opens(round_),
            reveal_at=reveal_at(round_),
            feedback=by_round.get(round_.pk),
            sent_theirs=round_.booking_id in sent_for,
            now=now,
        )
        for round_ in rounds
    ]


def clean_scores(axes: tuple[Axis, ...], scores: Mapping[str, object]) -> dict[str, int]:
    """Every axis scored 1-4 and nothing else, or FeedbackRefused."""
    if set(scores) != {axis.key for axis in axes}:
        raise FeedbackRefused("Score every one of the five axes.")
    cleaned = {}
    for axis in axes:
        value = scores[axis.key]
        if not isinstance(value, int) or value not in SCORES:
            raise FeedbackRefused(f"{axis.name}: a score is 1, 2, 3 or 4.")
        cleaned[axis.key] = value
    return cleaned


def candidate_refusal(number: int) -> str:
    return (
        f"You were the candidate in round {number}: your partner scores you for it. You score "
        f"them for round {other_round(number)}, where you interview."
    )


@transaction.atomic
def feedback_send(
    *,
    author: User,
    round_id: int,
    scores: Mapping[str, object],
    went_well: str,
    work_on: str,
    now: dt.datetime | None = None,
) -> Feedback:
    """The author's feedback on the candidate of a round they interviewed in: refused for a
    round they were not in, for one where they were the candidate, for a cancelled booking,
    before the round's feedback phase, and when they sent it already (two sends at once make
    one)."""
    now = now or timezone.now()
    round_ = (
        Round.objects.filter(pk=round_id)
        .filter(Q(interviewer=author) | Q(candidate=author))
        .select_related("booking", "candidate")
        .first()
    )
    if round_ is None:
        raise FeedbackRefused("No such round of yours.")
    if round_.booking.status == Booking.Status.CANCELED:
        raise FeedbackRefused("This mock was cancelled: there is no feedback to give.")
    if round_.interviewer_id != author.pk:
        raise FeedbackRefused(candidate_refusal(round_.number))
    opens = feedback_opens(round_)
    if now < opens:
        raise FeedbackRefused("Feedback opens 40 minutes into the round, with its feedback phase.")
    if len(went_well) > TEXT_LIMIT or len(work_on) > TEXT_LIMIT:
        raise FeedbackRefused(f"Keep each answer under {TEXT_LIMIT} characters.")
    cleaned = clean_scores(axes_for(round_.booking.kind), scores)
    if Feedback.objects.filter(round=round_, author=author).exists():
        raise FeedbackRefused("You have already sent your feedback for this round.")
    try:
        with transaction.atomic():
            return Feedback.objects.create(
                round=round_,
                author=author,
                subject=round_.candidate,
                scores=cleaned,
                went_well=went_well.strip(),
                work_on=work_on.strip(),
                created_at=now,
            )
    except IntegrityError:  # the same form sent twice at once: the first one stands
        raise FeedbackRefused("You have already sent your feedback for this round.") from None


def visible_received(member: User, now: dt.datetime | None = None) -> list[Feedback]:
    """The feedback the member received as candidate that they may see (they sent theirs for
    the booking, or 72 hours have passed since the round), newest round first, of bookings not
    cancelled: two queries."""
    now = now or timezone.now()
    received = list(
        Feedback.objects.filter(subject=member)
        .exclude(round__booking__status=Booking.Status.CANCELED)
        .select_related("round__booking")
        .order_by("-round__booking__starts_at", "-round__number")
    )
    sent_for = set(
        Feedback.objects.filter(
            author=member, round__booking__in={f.round.booking_id for f in received}
        ).values_list("round__booking", flat=True)
    )
    return [f for f in received if f.round.booking_id in sent_for or now >= reveal_at(f.round)]


def weakest_axis(member: User, now: dt.datetime | None = None) -> Axis | None:
    """The axis with the lowest mean score the member received as candidate (and may see) over
    their last three scored rounds; the rubric's order breaks a tie. None before any scores."""
    recent = visible_received(member, now)[:RECENT_ROUNDS]
    totals: dict[str, list[int]] = defaultdict(list)
    order: list[str] = []
    for feedback in recent:
        for axis in axes_for(feedback.round.booking.kind):
            if axis.key in feedback.scores:
                totals[axis.key].append(int(feedback.scores[axis.key]))
                if axis.key not in order:
                    order.append(axis.key)
    if not order:
        return None
    key = min(order, key=lambda k: (sum(totals[k]) / len(totals[k]), order.index(k)))
    return axis_named(key)
