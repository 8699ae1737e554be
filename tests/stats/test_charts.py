"""The dashboard's bar charts, drawn on the server: each bar's week written under it and the
scale (largest figure and zero, $ for MRR) beside the bars as text; a chart with no data says
"No data yet" and when its first figures will appear, instead of an empty box."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape

import pytest
from django.utils import timezone

from billing.models import Subscription
from stats.charts import NO_DATA, bar_chart, dollars_text
from stats.models import SubscriptionChange

from ..conftest import signed_in
from ..factories import UserFactory

pytestmark = pytest.mark.django_db


def chart_svg(html: str, chart_id: str) -> str:
    match = re.search(rf'<svg [^>]*aria-labelledby="{chart_id}-title".*?</svg>', html, re.S)
    assert match is not None, chart_id
    return match.group(0)


def texts(svg: str) -> list[str]:
    """The words drawn in the chart (its <text> elements), not its tooltips."""
    return [unescape(t.strip()) for t in re.findall(r"<text [^>]*>([^<]*)</text>", svg)]


def this_monday() -> dt.date:
    today = timezone.now().date()
    return today - dt.timedelta(days=today.weekday())


def test_a_fresh_site_shows_no_data_yet_and_when_figures_will_appear(staff) -> None:
    html = signed_in(staff).get("/admin/").content.decode()

    for chart_id in (
        "chart-mrr",
        "chart-net",
        "chart-mock-requests",
        "chart-mock-rounds",
        "chart-mock-match",
    ):
        svg = chart_svg(html, chart_id)
        words = texts(svg)
        assert words[0] == NO_DATA, chart_id
        assert "bar appears" in words[1], chart_id
        assert "<rect" not in svg  # no bars of zero height, no empty box
        # Its accessible name says so too.
        assert f"{NO_DATA.lower()}." in re.search(r"<title [^>]*>([^<]*)</title>", svg).group(1)
    mrr = texts(chart_svg(html, "chart-mrr"))
    assert mrr[1] == "This week's bar appears as soon as the first reader subscribes."
    # The table beside the charts is still there, for screen readers.
    assert "<caption>Week by week</caption>" in html


def test_the_charts_label_each_week_and_their_scale(staff) -> None:
    user = UserFactory(email="subscriber@example.com")
    Subscription.objects.create(
        user=user,
        stripe_subscription_id="sub_1",
        stripe_customer_id="cus_1",
        status="active",
        monthly_amount=1900,
    )
    SubscriptionChange.objects.create(
        stripe_subscription_id="sub_1",
        kind="started",
        at=timezone.now() - dt.timedelta(weeks=2),
    )

    html = signed_in(staff).get("/admin/").content.decode()

    mrr = texts(chart_svg(html, "chart-mrr"))
    assert NO_DATA not in mrr
    # The scale first: the largest figure in dollars, then zero; then the 12 weeks.
    assert mrr[:2] == ["$19", "$0"]
    weeks = [this_monday() - dt.timedelta(weeks=back) for back in range(11, -1, -1)]
    assert mrr[2:] == [f"{day.day} {day:%b}" for day in weeks]
    net = texts(chart_svg(html, "chart-net"))
    assert net[:2] == ["1", "0"]
    assert len(net) == 2 + 12
    # Each bar keeps its tooltip.
    assert f"<title>Week of {weeks[-1].day} {weeks[-1]:%b}: $19.00</title>" in html


def test_a_negative_week_puts_the_smallest_figure_on_the_scale() -> None:
    chart = bar_chart("Net", [2, -1, 0], ["a", "b", "c"], ["1 Dec", "8 Dec", "15 Dec"], empty="x")

    assert [tick.text for tick in chart.ticks] == ["2", "0", "-1"]
    top, zero, bottom = (tick.y for tick in chart.ticks)
    assert top < zero < bottom
    assert zero == chart.baseline
    assert [bar.week for bar in chart.bars] == ["1 Dec", "8 Dec", "15 Dec"]
    assert chart.bars[1].negative
    assert chart.bars[1].y == chart.baseline


def test_weeks_of_no_change_with_subscribers_are_zero_not_no_data() -> None:
    chart = bar_chart("Net", [0, 0], ["a", "b"], ["1 Dec", "8 Dec"], empty="x", has_data=True)

    assert not chart.empty
    assert [tick.text for tick in chart.ticks] == ["0"]
    assert chart.baseline == chart.bars[0].y  # the zero line at the bottom, bars of no height


def test_money_on_the_scale() -> None:
    assert dollars_text(1234.0) == "$1,234"
    assert dollars_text(28.5) == "$28.50"
    assert dollars_text(-19.0) == "-$19"
