"""The dashboard's parts on the admin home (registered on alphacode.admin_site's AdminSite by
stats.apps) and its CSV exports."""

from __future__ import annotations

import csv
from decimal import Decimal
from typing import Any

from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse

from .charts import bar_chart, dollars_text, hours_text
from .figures import (
    GUIDE_COLUMNS,
    GUIDE_SORTS,
    WINDOWS,
    Week,
    guide_rows,
    mock_weekly,
    now_figures,
    period_figures,
    weekly,
)

PERMISSION = "stats.view_dashboard"
# A spreadsheet runs a cell that starts with one of these as a formula (=HYPERLINK(...) can send
# the owner's data to another site): such a text cell is written after a single quote, which
# the spreadsheet shows as text (OWASP's "CSV injection"). Numbers are written as they are.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _choices(request: HttpRequest) -> tuple[int, str]:
    """The guides table's window (days) and sort, from the query string (anything else: the
    defaults)."""
    window = request.GET.get("window", "")
    sort = request.GET.get("sort", "")
    days = int(window) if window in {str(d) for d in WINDOWS} else 30
    return days, sort if sort in GUIDE_SORTS else "readers"


def dashboard_panel(request: HttpRequest) -> dict[str, Any]:
    """The dashboard on the admin home (registered by stats.apps), for staff holding the
    permission; nothing for anyone else."""
    return dashboard_context(request) if request.user.has_perm(PERMISSION) else {}


def dashboard_context(request: HttpRequest) -> dict[str, Any]:
    days, sort = _choices(request)
    weeks = weekly()
    # Under each bar "7 Dec"; in its tooltip "Week of 7 Dec: …".
    short = [f"{week.start.day} {week.start:%b}" for week in weeks]
    labels = [f"Week of {day}" for day in short]
    pairs = list(zip(labels, weeks, strict=True))
    mocks = mock_weekly()
    mock_pairs = list(zip(labels, mocks, strict=True))
    return {
        "dashboard": now_figures(),
        "weeks": weeks,
        "period": period_figures(weeks),
        "guides": [
            (row, [getattr(row, key) for key, _ in GUIDE_COLUMNS]) for row in guide_rows(days, sort)
        ],
        "guides_window": days,
        "guides_sort": sort,
        "windows": WINDOWS,
        "guide_columns": GUIDE_COLUMNS,
        "charts": {
            "mrr": bar_chart(
                "MRR at the end of each week",
                [week.mrr_dollars for week in weeks],
                [f"{label}: ${week.mrr_dollars:,.2f}" for label, week in pairs],
                short,
                scale=dollars_text,
                empty="This week's bar appears as soon as the first reader subscribes.",
            ),
            "net": bar_chart(
                "Net change in subscribers each week",
                [week.net for week in weeks],
                [f"{label}: {week.net:+d}" for label, week in pairs],
                short,
                # No change in weeks with subscribers is a figure (zero), not an empty chart.
                has_data=any(
                    week.new or week.cancellations or week.subscribers_at_start or week.mrr_at_end
                    for week in weeks
                ),
                empty="This week's bar appears as soon as the first reader subscribes.",
            ),
            "mock_requests": bar_chart(
                "Mock interview requests each week",
                [week.requests for week in mocks],
                [f"{label}: {week.requests} requests" for label, week in mock_pairs],
                short,
                empty="This week's bar appears as soon as a member requests a mock interview.",
            ),
            "mock_rounds": bar_chart(
                "Mock interview rounds held each week",
                [week.rounds_held for week in mocks],
                [f"{label}: {week.rounds_held} rounds" for label, week in mock_pairs],
                short,
                empty="A bar appears once the first mock interview round has ended.",
            ),
            "mock_match": bar_chart(
                "Median hours from request to match, by the week matched",
                [week.median_match_hours for week in mocks],
                [f"{label}: {week.median_match_text}" for label, week in mock_pairs],
                short,
                has_data=any(week.median_match is not None for week in mocks),
                scale=hours_text,
                empty="A bar appears once the first mock interview request is matched.",
            ),
        },
        "mock_weeks": mocks,
    }


def _cell(value: Any) -> Any:
    """A text cell a spreadsheet would run as a formula, as text; anything else unchanged (a
    number, even a negative one, stays a number)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return f"'{value}"
    return value


def _csv(name: str, header: list[str], rows: list[list[Any]]) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    writer = csv.writer(response)
    writer.writerow(header)
    writer.writerows([_cell(value) for value in row] for row in rows)
    return response


class _Echo:
    """A file-like object whose write returns what it is given: csv.writer then makes each row's
    text for a streaming response (Django's "Streaming large CSV files")."""

    def write(self, value: str) -> str:
        return value


@permission_required(PERMISSION, raise_exception=True)
def members_csv(request: HttpRequest) -> StreamingHttpResponse:
    """Every member as a row, streamed as it is read: it holds no more than a chunk of members
    in memory however many there are. Members' own text (a name, an address) is guarded like
    any other cell."""
    from .members import member_rows

    writer = csv.writer(_Echo())
    response = StreamingHttpResponse(
        (writer.writerow([_cell(value) for value in row]) for row in member_rows()),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = 'attachment; filename="alphacode-members.csv"'
    response["Cache-Control"] = "no-store"
    return response


def _dollars(cents: int) -> Decimal:
    """Cents as dollars, a number with two decimals (28.50), never text."""
    return Decimal(cents).scaleb(-2)


def _week_row(week: Week) -> list[Any]:
    churn = "" if week.churn is None else Decimal(week.churn).quantize(Decimal("0.0001"))
    return [
        week.start.isoformat(),
        week.new,
        week.cancellations,
        week.net,
        week.subscribers_at_start,
        churn,
        _dollars(week.mrr_at_end),
        week.trials_started,
        week.trials_ended,
        week.trials_converted,
    ]


@permission_required(PERMISSION, raise_exception=True)
def weeks_csv(request: HttpRequest) -> HttpResponse:
    header = [
        "week_start",
        "new_subscribers",
        "cancellations",
        "net_change",
        "subscribers_at_start",
        "churn",
        "mrr_at_end_usd",
        "trials_started",
        "trials_ended",
        "trials_converted",
    ]
    return _csv("alphacode-weeks.csv", header, [_week_row(week) for week in weekly()])


@permission_required(PERMISSION, raise_exception=True)
def now_csv(request: HttpRequest) -> HttpResponse:
    figures = now_figures()
    period = period_figures(weekly())
    conversion = period.conversion
    rows: list[list[Any]] = [
        ["mrr_usd", _dollars(figures.mrr)],
        ["mrr_monthly_usd", _dollars(figures.mrr_monthly)],
        ["mrr_annual_usd", _dollars(figures.mrr_annual)],
        ["mrr_team_usd", _dollars(figures.mrr_team)],
        ["subscribers", figures.subscribers],
        ["active", figures.active],
        ["trialing", figures.trialing],
        ["past_due", figures.past_due],
        ["set_to_cancel", figures.set_to_cancel],
        ["teams", figures.teams],
        ["team_seats_paid", figures.seats_paid],
        ["team_seats_taken", figures.seats_taken],
        ["complimentary", figures.complimentary],
        ["members_without_subscription", figures.without_subscription],
        # The dashboard's period (its 12 weeks), named by its first day.
        ["period_since", period.since.isoformat()],
        ["trials_now", period.trials_now],
        ["trials_started", period.trials_started],
        ["trials_ended", period.trials_ended],
        ["trials_converted", period.trials_converted],
        [
            "trial_conversion",
            "" if conversion is None else Decimal(conversion).quantize(Decimal("0.0001")),
        ],
        ["gifts_sold", period.gifts_sold],
        ["gifts_redeemed", period.gifts_redeemed],
        ["cancellations", period.cancellations],
        *(
            [f"cancellation_reason_{reason.feedback or 'none_given'}", reason.count]
            for reason in period.reasons
        ),
    ]
    return _csv("alphacode-now.csv", ["figure", "value"], rows)


@permission_required(PERMISSION, raise_exception=True)
def guides_csv(request: HttpRequest) -> HttpResponse:
    days, sort = _choices(request)
    fields = ["signed_in_readers", "anonymous_views", *(key for key, _ in GUIDE_COLUMNS)]
    rows = [
        [row.title, row.url, *(getattr(row, field) for field in fields)]
        for row in guide_rows(days, sort)
    ]
    header = ["guide", "url", *fields]
    return _csv(f"alphacode-guides-{days}-days.csv", header, rows)
