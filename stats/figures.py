"""The owner's figures, from our own rows (never Stripe's dashboard): monthly recurring revenue
and members now, and the last weeks (from stats.history)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import (
    Aggregate,
    Count,
    DurationField,
    Exists,
    F,
    OuterRef,
    Q,
    Sum,
)
from django.utils import timezone

from accounts.models import User
from billing.entitlements import complimentary_access_now, subscriptions_giving_access
from billing.models import Subscription
from gifts.figures import gift_counts
from teams.models import Member

from .models import SubscriptionChange


@dataclass(frozen=True)
class Now:
    """Revenue and members at this moment. Amounts in cents."""

    mrr: int  # what every subscription that gives access brings in a month, coupons taken off
    # MRR split by plan: members' own monthly and annual subscriptions (an annual one counts a
    # twelfth of its price) and teams' seats, whatever their interval. They add up to `mrr`.
    mrr_monthly: int
    mrr_annual: int
    mrr_team: int
    # Members paying for themselves, by status (a team's subscription is counted below).
    active: int
    trialing: int
    past_due: int
    set_to_cancel: int  # still giving access until the period ends, whatever the status
    teams: int  # teams whose subscription gives access
    seats_paid: int  # their seats
    seats_taken: int  # members seated in them
    complimentary: int  # readers with complimentary access now (a redeemed gift's too)
    without_subscription: int  # active members with none of these

    @property
    def mrr_dollars(self) -> float:
        return self.mrr / 100

    @property
    def mrr_monthly_dollars(self) -> float:
        return self.mrr_monthly / 100

    @property
    def mrr_annual_dollars(self) -> float:
        return self.mrr_annual / 100

    @property
    def mrr_team_dollars(self) -> float:
        return self.mrr_team / 100

    @property
    def subscribers(self) -> int:
        return self.active + self.trialing + self.past_due + self.set_to_cancel


def now_figures() -> Now:
    """Four queries: the subscriptions that give access (billing.entitlements' rule), the
    seats taken in teams, the complimentary readers, and the members with none of these."""
    paying = subscriptions_giving_access()
    own = Q(purpose=Subscription.Purpose.PERSONAL)
    team = Q(purpose=Subscription.Purpose.TEAM)
    staying = own & Q(cancel_at_period_end=False)
    # A subscription synced before plans were named has no interval: it is a monthly one.
    annual = own & Q(interval="year")
    figures = paying.aggregate(
        mrr=Sum("monthly_amount", default=0),
        mrr_monthly=Sum("monthly_amount", filter=own & ~Q(interval="year"), default=0),
        mrr_annual=Sum("monthly_amount", filter=annual, default=0),
        mrr_team=Sum("monthly_amount", filter=team, default=0),
        active=Count("pk", filter=staying & Q(status="active")),
        trialing=Count("pk", filter=staying & Q(status="trialing")),
        past_due=Count("pk", filter=staying & Q(status="past_due")),
        set_to_cancel=Count("pk", filter=own & Q(cancel_at_period_end=True)),
        # A team is billed to its own Stripe customer: a second subscription there (seats paid
        # twice) is not a second team.
        teams=Count("stripe_customer_id", filter=team, distinct=True),
        seats_paid=Sum("quantity", filter=team, default=0),
    )
    seated = Member.objects.filter(seated=True, team__subscription__in=paying.filter(team))
    complimentary = complimentary_access_now()
    without = (
        User.objects.filter(is_active=True, is_staff=False)
        .exclude(Exists(paying.filter(own, user=OuterRef("pk"))))
        .exclude(Exists(seated.filter(user=OuterRef("pk"))))
        .exclude(Exists(complimentary.filter(user=OuterRef("pk"))))
    )
    return Now(
        **figures,
        seats_taken=seated.count(),
        complimentary=complimentary.count(),
        without_subscription=without.count(),
    )


@dataclass(frozen=True)
class Week:
    """One week (Monday 00:00 UTC to the next), from the subscriptions' history. MRR at its end
    counts each subscription at its monthly amount as last synced (past amounts are not kept)."""

    start: dt.date
    new: int
    cancellations: int
    subscribers_at_start: int
    mrr_at_end: int  # cents
    trials_started: int = 0  # subscriptions that started this week with a free trial
    trials_ended: int = 0  # trials over this week: at their end, or cancelled before it
    trials_converted: int = 0  # of those, the ones paid for after the trial

    @property
    def net(self) -> int:
        return self.new - self.cancellations

    @property
    def churn(self) -> float | None:
        """Cancellations over the subscribers at the start of the week (None with none)."""
        return self.cancellations / self.subscribers_at_start if self.subscribers_at_start else None

    @property
    def churn_text(self) -> str:
        return "–" if self.churn is None else f"{self.churn * 100:.1f} %"

    @property
    def mrr_dollars(self) -> float:
        return self.mrr_at_end / 100


def _periods() -> dict[str, list[tuple[dt.datetime, dt.datetime | None]]]:
    """Each subscription's spans of access: (started, ended or None). An end still to come (a
    grace period that runs out later, stats.history) is not an end yet."""
    now = timezone.now()
    periods: dict[str, list[tuple[dt.datetime, dt.datetime | None]]] = defaultdict(list)
    for sub_id, kind, at in SubscriptionChange.objects.values_list(
        "stripe_subscription_id", "kind", "at"
    ).order_by("at", "pk"):
        spans = periods[sub_id]
        if kind == SubscriptionChange.Kind.STARTED:
            spans.append((at, None))
        elif spans and spans[-1][1] is None and at <= now:
            spans[-1] = (spans[-1][0], at)
    return periods


@dataclass(frozen=True)
class Trial:
    """A subscription that began with a free trial: when it began (its first start in the
    history), when the trial was over (None: still going) and whether it was paid for after."""

    started: dt.datetime
    over: dt.datetime | None
    converted: bool


# A past-due subscription whose failed invoice came this soon after its trial's end never paid
# its first invoice: the trial has not converted (yet).
FIRST_INVOICE_WINDOW = dt.timedelta(days=1)


def trial_of(
    started: dt.datetime,
    *,
    status: str,
    trial_end: dt.datetime,
    ended_at: dt.datetime | None,
    payment_failed_at: dt.datetime | None,
    now: dt.datetime,
    cancellation_reason: str = "",
) -> Trial:
    """A trial's outcome from its subscription as last synced. It is over at its end, or when
    the subscription ended before it (cancelled during the trial), once Stripe no longer has it
    trialing. It converted when the
    subscription is active after the trial, past due on a later invoice than the first, or
    ended after the trial having paid (not one Stripe ended for the failed first invoice: its
    failure stays on record when it ends; with no time on record, one Stripe ended for a failed
    payment is not counted as paid)."""
    over_at = min(trial_end, ended_at) if ended_at else trial_end
    # Still trialing at Stripe (its end's event not handled yet): not over.
    if over_at > now or status == "trialing":
        return Trial(started, None, False)
    first_invoice_failed = (
        payment_failed_at is not None and payment_failed_at - trial_end < FIRST_INVOICE_WINDOW
    )
    failure_unknown = payment_failed_at is None and cancellation_reason == "payment_failed"
    converted = (
        status == "active"
        or (status == "past_due" and not first_invoice_failed)
        or (
            ended_at is not None
            and ended_at > trial_end
            and not first_invoice_failed
            and not failure_unknown
        )
    )
    return Trial(started, over_at, converted)


def weekly(weeks: int = 12, today: dt.date | None = None) -> list[Week]:
    """The last `weeks` weeks, this one last (it is still going)."""
    now = timezone.now()
    today = today or now.date()
    monday = today - dt.timedelta(days=today.weekday())
    rows = {
        row["stripe_subscription_id"]: row
        for row in Subscription.objects.values(
            "stripe_subscription_id",
            "monthly_amount",
            "status",
            "trial_end",
            "ended_at",
            "payment_failed_at",
            "cancellation_reason",
        )
    }
    amounts = {sub_id: row["monthly_amount"] for sub_id, row in rows.items()}
    # Only subscriptions we keep (one Stripe names no reader of ours is not counted).
    periods = {sub_id: spans for sub_id, spans in _periods().items() if sub_id in amounts}
    trials = [
        trial_of(
            spans[0][0],
            status=row["status"],
            trial_end=row["trial_end"],
            ended_at=row["ended_at"],
            payment_failed_at=row["payment_failed_at"],
            cancellation_reason=row["cancellation_reason"],
            now=now,
        )
        for sub_id, spans in periods.items()
        if spans and (row := rows[sub_id])["trial_end"] is not None
    ]

    def within(at: dt.datetime | None, start: dt.datetime, end: dt.datetime) -> bool:
        return at is not None and start <= at < end

    def holds(span: tuple[dt.datetime, dt.datetime | None], moment: dt.datetime) -> bool:
        """Had access just before `moment` (one that ends at it still counts: it is a
        cancellation of the week that starts there)."""
        return span[0] < moment and (span[1] is None or span[1] >= moment)

    spans = [(sub_id, span) for sub_id, subs in periods.items() for span in subs]
    result = []
    for back in range(weeks - 1, -1, -1):
        first_day = monday - dt.timedelta(weeks=back)
        start = dt.datetime.combine(first_day, dt.time(), dt.UTC)
        end = start + dt.timedelta(weeks=1)
        ended = [trial for trial in trials if within(trial.over, start, end)]
        result.append(
            Week(
                start=first_day,
                new=sum(within(span[0], start, end) for _, span in spans),
                cancellations=sum(within(span[1], start, end) for _, span in spans),
                subscribers_at_start=len({sub for sub, span in spans if holds(span, start)}),
                mrr_at_end=sum(
                    amounts.get(sub_id) or 0
                    for sub_id in {sub for sub, span in spans if holds(span, end)}
                ),
                trials_started=sum(within(trial.started, start, end) for trial in trials),
                trials_ended=len(ended),
                trials_converted=sum(trial.converted for trial in ended),
            )
        )
    return result


@dataclass(frozen=True)
class Reason:
    """How many cancellations gave this reason (`feedback`: Subscription.CancellationReason;
    empty: none given)."""

    feedback: str
    label: str
    count: int


@dataclass(frozen=True)
class Comment:
    """A member's own words when they cancelled."""

    canceled_at: dt.datetime | None
    email: str
    reason: str
    comment: str


@dataclass(frozen=True)
class Period:
    """The dashboard's period (its weeks) at a glance: trials, their conversion, gifts sold and
    redeemed,
    and why members cancelled."""

    since: dt.date
    trials_now: int  # trialing now
    trials_started: int
    trials_ended: int
    trials_converted: int
    # Gifts paid for (less those refunded before redemption) and gifts redeemed in the period.
    gifts_sold: int
    gifts_redeemed: int
    reasons: list[Reason]  # every reason, most given first; payment failed, then none given last
    comments: list[Comment]  # the latest, newest first

    @property
    def conversion(self) -> float | None:
        """Trials converted over trials ended (None with none ended)."""
        return self.trials_converted / self.trials_ended if self.trials_ended else None

    @property
    def conversion_text(self) -> str:
        return "–" if self.conversion is None else f"{self.conversion * 100:.1f} %"

    @property
    def cancellations(self) -> int:
        return sum(reason.count for reason in self.reasons)


LATEST_COMMENTS = 10
NO_REASON = "No reason given"
PAYMENT_FAILED = "Payment failed (Stripe stopped retrying the card)"


def period_figures(weeks: list[Week]) -> Period:
    """The period the weeks cover: their trials added up, and two queries for the
    cancellations (by reason, and the latest comments). A cancellation is counted when it was
    asked for (Stripe's canceled_at: one set to cancel at the period's end is counted when the
    member chose it; one the member took back in the Portal is not counted)."""
    since = dt.datetime.combine(weeks[0].start, dt.time(), dt.UTC)
    canceled = Subscription.objects.filter(
        canceled_at__gte=since, purpose=Subscription.Purpose.PERSONAL
    )
    counts: dict[str, int] = defaultdict(int)
    payment_failed = 0
    for feedback, stripe_reason, n in (
        canceled.values("cancellation_feedback", "cancellation_reason")
        .annotate(n=Count("pk"))
        .values_list("cancellation_feedback", "cancellation_reason", "n")
    ):
        # Ended by Stripe after the card's retries failed: no member chose it.
        if not feedback and stripe_reason == "payment_failed":
            payment_failed += n
        else:
            counts[feedback] += n
    labels = dict(Subscription.CancellationReason.choices)
    reasons = sorted(
        (Reason(value, label, counts.get(value, 0)) for value, label in labels.items()),
        key=lambda reason: (-reason.count, reason.label),
    )
    # Anything Stripe adds later that we do not name yet is counted with its own value.
    reasons += [
        Reason(value, value, n) for value, n in counts.items() if value not in labels and value
    ]
    reasons.append(Reason("payment_failed", PAYMENT_FAILED, payment_failed))
    reasons.append(Reason("", NO_REASON, counts.get("", 0)))
    comments = [
        Comment(
            canceled_at=row.canceled_at,
            email=row.user.email,
            reason=labels.get(row.cancellation_feedback, row.cancellation_feedback or NO_REASON),
            comment=row.cancellation_comment,
        )
        for row in Subscription.objects.filter(canceled_at__isnull=False)
        .exclude(cancellation_comment="")
        .select_related("user")
        .only("canceled_at", "cancellation_feedback", "cancellation_comment", "user__email")
        .order_by("-canceled_at", "-pk")[:LATEST_COMMENTS]
    ]
    gifts = gift_counts(since, timezone.now())
    return Period(
        since=weeks[0].start,
        trials_now=subscriptions_giving_access().filter(status="trialing").count(),
        trials_started=sum(week.trials_started for week in weeks),
        trials_ended=sum(week.trials_ended for week in weeks),
        trials_converted=sum(week.trials_converted for week in weeks),
        gifts_sold=gifts[0],
        gifts_redeemed=gifts[1],
        reasons=reasons,
        comments=comments,
    )


@dataclass(frozen=True)
class MockWeek:
    """One week (Monday 00:00 UTC to the next) of peer mock interviews: requests made,
    bookings made, and of the bookings that began that week (not cancelled) the ones held by
    then, their rounds held (ended, in a booking with no no-show strike) and their no-show
    strikes; the median time from request to match of the requests matched that week."""

    start: dt.date
    requests: int
    bookings: int
    held: int
    rounds_held: int
    no_shows: int
    median_match: dt.timedelta | None

    @property
    def no_show_rate(self) -> float | None:
        return self.no_shows / self.held if self.held else None

    @property
    def no_show_text(self) -> str:
        return "–" if self.no_show_rate is None else f"{self.no_show_rate * 100:.1f} %"

    @property
    def median_match_hours(self) -> float:
        return self.median_match.total_seconds() / 3600 if self.median_match else 0.0

    @property
    def median_match_text(self) -> str:
        if self.median_match is None:
            return "–"
        hours = self.median_match.total_seconds() / 3600
        return f"{hours:.1f} h" if hours < 48 else f"{hours / 24:.1f} days"


class Median(Aggregate):
    """The median of a duration, in Postgres (percentile_cont, which interpolates between the
    middle two of an even count)."""

    function = "PERCENTILE_CONT"
    name = "Median"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)%(filter)s"
    output_field = DurationField()


def _median(values: list[dt.timedelta]) -> dt.timedelta | None:
    """As percentile_cont(0.5): the middle one, or halfway between the middle two."""
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def mock_weekly(weeks: int = 12, today: dt.date | None = None) -> list[MockWeek]:
    """The last `weeks` weeks of mocks, this one last: two queries (one over the requests, one
    over the bookings, each week's figures counted by the database with FILTER); on a database
    other than Postgres the medians are worked out here from one more query."""
    from mocks.models import Booking, MockRequest, Strike

    now = timezone.now()
    today = today or now.date()
    monday = today - dt.timedelta(days=today.weekday())
    starts = [
        dt.datetime.combine(monday - dt.timedelta(weeks=back), dt.time(), dt.UTC)
        for back in range(weeks - 1, -1, -1)
    ]
    spans = [(start, start + dt.timedelta(weeks=1)) for start in starts]
    postgres = connection.vendor == "postgresql"
    waited = F("matched_at") - F("created_at")
    requests = MockRequest.objects.filter(
        Q(created_at__gte=starts[0]) | Q(matched_at__gte=starts[0])
    ).aggregate(
        **{
            f"made{n}": Count("pk", filter=Q(created_at__gte=a, created_at__lt=b))
            for n, (a, b) in enumerate(spans)
        },
        **(
            {
                f"median{n}": Median(waited, filter=Q(matched_at__gte=a, matched_at__lt=b))
                for n, (a, b) in enumerate(spans)
            }
            if postgres
            else {}
        ),
    )
    if not postgres:
        waits: dict[int, list[dt.timedelta]] = defaultdict(list)
        for made, matched in MockRequest.objects.filter(matched_at__gte=starts[0]).values_list(
            "created_at", "matched_at"
        ):
            if matched is not None:
                waits[(matched - starts[0]).days // 7].append(matched - made)
        requests.update({f"median{n}": _median(waits[n]) for n in range(weeks)})
    live = Q(status=Booking.Status.BOOKED)
    # A round has ended when its booking has; round 1 ends 45 minutes in, before it.
    round_ended = Q(ends_at__lte=now) | Q(
        rounds__number=1, starts_at__lte=now - dt.timedelta(minutes=45)
    )
    no_show = Strike.objects.filter(booking=OuterRef("pk"), cause=Strike.Cause.NO_SHOW)
    bookings = (
        Booking.objects.filter(Q(created_at__gte=starts[0]) | Q(starts_at__gte=starts[0]))
        .annotate(no_show=Exists(no_show))
        .aggregate(
            **{
                f"made{n}": Count(
                    "pk", distinct=True, filter=Q(created_at__gte=a, created_at__lt=b)
                )
                for n, (a, b) in enumerate(spans)
            },
            **{
                f"held{n}": Count(
                    "pk",
                    distinct=True,
                    filter=live & Q(starts_at__gte=a, starts_at__lt=b, ends_at__lte=now),
                )
                for n, (a, b) in enumerate(spans)
            },
            **{
                f"rounds{n}": Count(
                    "rounds",
                    distinct=True,
                    filter=live & Q(starts_at__gte=a, starts_at__lt=b, no_show=False) & round_ended,
                )
                for n, (a, b) in enumerate(spans)
            },
            **{
                f"no_shows{n}": Count(
                    "strikes",
                    distinct=True,
                    filter=live
                    & Q(starts_at__gte=a, starts_at__lt=b, ends_at__lte=now)
                    & Q(strikes__cause=Strike.Cause.NO_SHOW),
                )
                for n, (a, b) in enumerate(spans)
            },
        )
    )
    return [
        MockWeek(
            start=start.date(),
            requests=requests[f"made{n}"],
            bookings=bookings[f"made{n}"],
            held=bookings[f"held{n}"],
            rounds_held=bookings[f"rounds{n}"],
            no_shows=bookings[f"no_shows{n}"],
            median_match=requests[f"median{n}"],
        )
        for n, start in enumerate(starts)
    ]


WINDOWS = (7, 30, 90)  # days a guides table can cover
# The guides table's columns after the title: (GuideRow attribute, which is also its sort and its
# CSV column; heading). The CSV also splits readers in two (signed_in_readers, anonymous_views).
GUIDE_COLUMNS = (
    ("readers", "Readers"),
    ("paywall_views", "Paywall views"),
    ("checkouts", "Checkouts started"),
    ("subscriptions", "Subscriptions"),
    ("items_ticked", "Items ticked"),
    ("finishes", "Finishes"),
)
GUIDE_SORTS = (*(key for key, _ in GUIDE_COLUMNS), "title")


@dataclass(frozen=True)
class GuideRow:
    """One published guide over a window: signed-in readers who opened it (study.Reading; staff
    are not readers) and visitors' counted views (GuideDay), paywall views (GuideDay), checkouts
    started from its paywall (CheckoutStart), subscriptions that followed its paywall
    (Attribution), checklist items ticked (study.Tick) and finishes."""

    guide_id: int
    title: str
    url: str
    signed_in_readers: int
    anonymous_views: int
    paywall_views: int
    checkouts: int
    subscriptions: int
    items_ticked: int
    finishes: int

    @property
    def readers(self) -> int:
        return self.signed_in_readers + self.anonymous_views


def guide_rows(days: int, sort: str = "readers") -> list[GuideRow]:
    """Every published guide over the last `days` days (today and the `days - 1` days before it,
    UTC, for every column alike: visitors' views are counted per day), most first by `sort`
    (title: A to Z). Six queries, whatever the number of guides."""
    from articles.models import Guide
    from study.models import Reading, Tick

    from .models import Attribution, CheckoutStart, GuideDay

    first_day = timezone.now().date() - dt.timedelta(days=days - 1)
    since = dt.datetime.combine(first_day, dt.time(), dt.UTC)

    def per_guide(rows: Any) -> dict[int, int]:
        return dict(rows.values("guide").annotate(n=Count("pk")).values_list("guide", "n"))

    readings = {
        guide: (opened, finished)
        # Staff are not readers: the owner checking a guide would count as one.
        for guide, opened, finished in Reading.objects.filter(
            Q(opened_at__gte=since) | Q(finished_at__gte=since), user__is_staff=False
        )
        .values("guide")
        .annotate(
            opened=Count("pk", filter=Q(opened_at__gte=since)),
            finished=Count("pk", filter=Q(finished_at__gte=since)),
        )
        .values_list("guide", "opened", "finished")
    }
    ticks = per_guide(Tick.objects.filter(ticked_at__gte=since, user__is_staff=False))
    # Members, not forms: a member who starts checkout after checkout (a loop, a page read
    # again and again) counts once, so nobody can inflate the column.
    checkouts = dict(
        CheckoutStart.objects.filter(started_at__gte=since)
        .values("guide")
        .annotate(n=Count("user", distinct=True))
        .values_list("guide", "n")
    )
    subscriptions = per_guide(Attribution.objects.filter(subscribed_at__gte=since))
    counted = {
        guide: (views, paywall)
        for guide, views, paywall in GuideDay.objects.filter(day__gte=first_day)
        .values("guide")
        .annotate(v=Sum("views"), p=Sum("paywall_views"))
        .values_list("guide", "v", "p")
    }
    rows = [
        GuideRow(
            guide_id=guide.pk,
            title=guide.title,
            url=guide.get_absolute_url(),
            signed_in_readers=readings.get(guide.pk, (0, 0))[0],
            anonymous_views=counted.get(guide.pk, (0, 0))[0],
            paywall_views=counted.get(guide.pk, (0, 0))[1],
            checkouts=checkouts.get(guide.pk, 0),
            subscriptions=subscriptions.get(guide.pk, 0),
            items_ticked=ticks.get(guide.pk, 0),
            finishes=readings.get(guide.pk, (0, 0))[1],
        )
        for guide in Guide.objects.published().only("pk", "title", "slug")
    ]
    if sort == "title":
        return sorted(rows, key=lambda row: row.title.casefold())
    return sorted(rows, key=lambda row: (-getattr(row, sort), row.title.casefold()))
