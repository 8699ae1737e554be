"""A member's mock history (/mocks/history/): every round they took part in, on their own clock,
with their partner's display name; for a round they interviewed in, whether they sent their
feedback; for one they were candidate in, what they received once they may see it; and each
axis of what they received over time as a chart beside a table of the same figures."""

from __future__ import annotations

import datetime as dt
import re
from http import HTTPStatus

import pytest
import time_machine
from django.test import Client

from mocks.history import line_chart
from mocks.models import Booking, DesignPrompt
from tests.conftest import signed_in
from tests.factories import UserFactory, make_problem, subscriber

from .booked import booked, scored

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 11, 2, 15, 0, tzinfo=dt.UTC)


def history(client: Client, at: dt.datetime) -> str:
    with time_machine.travel(at, tick=False):
        answer = client.get("/mocks/history/")
    assert answer.status_code == HTTPStatus.OK
    return answer.content.decode()


def test_visitors_sign_in_and_people_without_mocks_are_sent_to_what_a_mock_is(
    client: Client,
) -> None:
    assert client.get("/mocks/history/")["Location"].startswith("/accounts/login/")
    answer = signed_in(UserFactory()).get("/mocks/history/")
    assert (answer.status_code, answer["Location"]) == (HTTPStatus.FOUND, "/mocks/")
    assert "No rounds yet" in history(signed_in(subscriber()), START)


def test_every_round_with_its_partner_role_problem_and_scores_on_the_members_clock() -> None:
    make_problem("graph-one", "graphs", title="Islands")
    make_problem("graph-two", "graphs", title="Course order")
    ada = UserFactory(name="Ada")
    booking = booked(START, first=ada, zones=("America/New_York", "UTC"))
    grace = booking.second.user
    first, second = booking.rounds.order_by("number")
    scored(first, 2)  # Grace on Ada, the candidate in round 1
    later = booked(START + dt.timedelta(days=30), first=ada)  # not begun yet: not listed
    canceled = booked(START - dt.timedelta(days=3), first=ada)
    Booking.objects.filter(pk=canceled.pk).update(status=Booking.Status.CANCELED)
    html = history(signed_in(ada), START + dt.timedelta(days=1))
    # New York: 10:00 and 10:50 on Monday 2 November (UTC-5).
    assert "Monday 2 November 2026, 10:50" in html
    assert "Monday 2 November 2026, 10:00" in html
    newest_first = html.index("2 November 2026, 10:50") < html.index("2 November 2026, 10:00")
    assert newest_first
    assert "round 1: you were the candidate, with Grace, on Islands." in html
    assert "round 2: you were the interviewer, with Grace, on Course order." in html
    # Grace's scores wait for Ada's: round 1 ended at 10:45 on Ada's clock.
    assert (
        "Grace has sent feedback: it shows once you send yours for round 2, or from "
        "5 November, 10:45 EST."
    ) in html
    assert "You have not sent your feedback on Grace yet." in html
    assert f'<a href="/mocks/{booking.pk}/feedback/">Give feedback</a>' in html
    assert "Scores received" not in html
    scored(second, 4)  # Ada on Grace, the candidate in round 2
    html = history(signed_in(ada), START + dt.timedelta(days=1))
    assert "Scores received: Problem framing 2, Approach and trade-offs 2" in html
    assert "You sent your feedback on Grace." in html
    assert html.count("Scores received:") == 1  # what Ada gave is not hers
    # Grace sees Ada's on her round as candidate: she sent hers for round 1.
    assert "Scores received: Problem framing 4" in history(
        signed_in(grace), START + dt.timedelta(days=1)
    )
    assert grace.email not in html
    assert f"/mocks/{later.pk}/feedback/" not in html
    assert f"/mocks/{canceled.pk}/feedback/" not in html
    # Report and block offered once for the booking.
    assert html.count(f'action="/mocks/{booking.pk}/report/"') == 1
    assert html.count(f'action="/mocks/{booking.pk}/block/"') == 1


def test_each_axis_over_time_as_a_chart_and_a_table() -> None:
    ada = UserFactory(name="Ada")
    for n, score in enumerate([1, 3, 4]):
        booking = booked(START + dt.timedelta(days=7 * n), first=ada)
        scored(booking.rounds.get(number=1), score)  # on Ada
        scored(booking.rounds.get(number=2), 2)  # Ada's on her partner: she may see hers
    DesignPrompt.objects.create(
        slug="feed", title="A news feed", topic="feeds", statement="Design it.", solution="It."
    )
    design = booked(START + dt.timedelta(days=1), first=ada, kind="system-design")
    scored(design.rounds.get(number=1), 2)
    html = history(signed_in(ada), START + dt.timedelta(days=30))
    assert "Your scores in technical (coding) mocks" in html
    assert "Your scores in system design mocks" in html
    assert ">Problem framing, technical (coding) mocks, as a line over time" in html
    # Three technical rounds scored: three dots on each of the five axes' charts (the 2s Ada
    # gave as interviewer are not hers).
    technical = html[html.index("technical (coding) mocks") : html.index("system design mocks")]
    assert technical.count("<circle") == 5 * 3
    assert "<title>2 Nov 2026, 15:00 (UTC): 1 of 4</title>" in technical
    assert "<title>16 Nov 2026, 15:00 (UTC): 4 of 4</title>" in technical
    rows = re.findall(r"<tr><th scope=\"row\">([^<]+)</th>((?:<td>[^<]*</td>)+)</tr>", technical)
    assert rows[0] == ("2 Nov 2026, 15:00 (UTC)", "<td>1</td>" * 5)
    assert rows[-1] == ("16 Nov 2026, 15:00 (UTC)", "<td>4</td>" * 5)
    # Ada sent nothing for the system design round, but 72 hours have passed: it shows.
    assert '<th scope="col">Deep dive</th>' in html


def test_a_chart_puts_higher_scores_higher() -> None:
    chart = line_chart("Communication", [("a", 1), ("b", 4), ("c", 2)])
    ys = [point.y for point in chart.points]
    assert ys[1] < ys[2] < ys[0]  # SVG's y grows downwards
    assert chart.path.startswith("M")
    assert chart.path.count("L") == 2
    assert [p.x for p in chart.points] == sorted(p.x for p in chart.points)
    (only,) = line_chart("One", [("a", 3)]).points
    assert 0 < only.x < chart.width


def test_the_history_and_feedback_pages_are_valid_html() -> None:
    from tests.test_valid_html import vnu_errors

    ada = UserFactory(name="Ada")
    booking = booked(START, first=ada)
    scored(booking.rounds.get(number=1), 3, went_well="Good.\nReally.")
    client = signed_in(ada)
    at = START + dt.timedelta(hours=2)
    pages = {"history": history(client, at)}
    with time_machine.travel(at, tick=False):
        pages["feedback"] = client.get(f"/mocks/{booking.pk}/feedback/").content.decode()
    assert 'type="radio"' in pages["feedback"]  # round 2's form
    scored(booking.rounds.get(number=2), 2)
    with time_machine.travel(at, tick=False):
        pages["feedback-sent"] = client.get(f"/mocks/{booking.pk}/feedback/").content.decode()
    assert "Good.<br>Really." in pages["feedback-sent"]  # what Ada received
    assert vnu_errors(pages) == []
