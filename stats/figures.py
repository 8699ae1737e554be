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

from .models import SubscriptionChange


@dataclass(frozen=True)
class Now:
    """Revenue and members at this moment. Amounts in cents."""

    mrr: int  # what every subscription that gives access brings in a month, coupons taken off
    active: int
    trialing: int
    past_due: int
    set_to_cancel: int  # still giving access until the period ends, whatever the status
    complimentary: int  # readers with complimentary access now
    without_subscription: int  # active members with neither

    @property
    def mrr_dollars(self) -> float:
        return self.mrr / 100

    @property
    def subscribers(self) -> int:
        return self.active + self.trialing + self.past_due + self.set_to_cancel


def now_figures() -> Now:
    """Three queries: the subscriptions that give access (billing.entitlements' rule), the
    complimentary readers, and the members with neither."""
    paying = subscriptions_giving_access()
    staying = Q(cancel_at_period_end=False)
    figures = paying.aggregate(
        mrr=Sum("monthly_amount", default=0),
        active=Count("pk", filter=staying & Q(status="active")),
        trialing=Count("pk", filter=staying & Q(status="trialing")),
        past_due=Count("pk", filter=staying & Q(status="past_due")),
        set_to_cancel=Count("pk", filter=Q(cancel_at_period_end=True)),
    )
    complimentary = complimentary_access_now()
    without = (
        User.objects.filter(is_active=True, is_staff=False)
        .exclude(Exists(paying.filter(user=OuterRef("pk"))))
        .exclude(Exists(complimentary.filter(user=OuterRef("pk"))))
    )
    return Now(
        **figures,
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
    """Each subscription's spans of access: (started, ended or None)."""
    periods: dict[str, list[tuple[dt.datetime, dt.datetime | None]]] = defaultdict(list)
    for sub_id, kind, at in SubscriptionChange.objects.values_list(
        "stripe_subscription_id", "kind", "at"
    ).order_by("at", "pk"):
        spans = periods[sub_id]
        if kind == SubscriptionChange.Kind.STARTED:
            spans.append((at, None))
        elif spans and spans[-1][1] is None:
            spans[-1] = (spans[-1][0], at)
    return periods


def weekly(weeks: int = 12, today: dt.date | None = None) -> list[Week]:
    """The last `weeks` weeks, this one last (it is still going)."""
    today = today or timezone.now().date()
    monday = today - dt.timedelta(days=today.weekday())
    amounts = dict(Subscription.objects.values_list("stripe_subscription_id", "monthly_amount"))
    # Only subscriptions we keep (one Stripe names no reader of ours is not counted).
    periods = {sub_id: spans for sub_id, spans in _periods().items() if sub_id in amounts}

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
            )
        )
    return result


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
    """One published guide over a window: signed-in readers who opened it (study.Reading) and
    visitors' counted views (GuideDay), paywall views (GuideDay), checkouts started from its
    paywall (CheckoutStart), subscriptions that followed its paywall (Attribution), checklist
    items ticked (study.Tick) and finishes."""

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
        for guide, opened, finished in Reading.objects.filter(
            Q(opened_at__gte=since) | Q(finished_at__gte=since)
        )
        .values("guide")
        .annotate(
            opened=Count("pk", filter=Q(opened_at__gte=since)),
            finished=Count("pk", filter=Q(finished_at__gte=since)),
        )
        .values_list("guide", "opened", "finished")
    }
    ticks = per_guide(Tick.objects.filter(ticked_at__gte=since))
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
