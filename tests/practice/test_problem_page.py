"""The problem page and its runner's endpoints, through the test client on real Postgres and
Redis: what each kind of reader gets, the paywall, the reader's code and solves kept, and the
help they ask for grading the next solve."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from accounts.models import User
from practice.models import Attempt, Problem, Solve
from practice.services import problem_files, problems_import
from tests.conftest import signed_in
from tests.factories import UserFactory, subscriber

DEMO = Path(__file__).resolve().parents[2] / "content" / "problems"
FREE, PREMIUM = "pair-with-target-sum", "group-anagrams"


@pytest.fixture
def problems(db) -> dict[str, Problem]:
    problems_import(problem_files([DEMO / f"{FREE}.md", DEMO / f"{PREMIUM}.md"]))
    return {p.slug: p for p in Problem.objects.all()}


@pytest.fixture
def member(db) -> User:
    return subscriber()


def _secrets(problem: Problem) -> list[str]:
    """Every part of a problem a visitor must never receive: each test and hidden test, the
    starter, the solution, each hint and the walk-through's first words."""
    found = [
        line.strip()
        for kind in ("tests", "hidden-tests")
        for line in problem.code.get(kind, "").splitlines()
        if line.strip()
    ]
    found += [problem.code["starter"].splitlines()[0], problem.code["solution"].splitlines()[1]]
    found += [hint[:40] for hint in problem.hints] + [problem.walkthrough[:40]]
    return found


def _text(response) -> str:
    return response.content.decode()


def test_a_visitor_sees_a_premium_problems_title_pattern_difficulty_and_first_paragraph_only(
    client: Client, problems
) -> None:
    problem = problems[PREMIUM]
    page = _text(client.get(f"/problems/{PREMIUM}/"))
    first, *rest = [p for p in problem.statement.split("\n\n") if p.strip()]
    assert problem.title in page
    assert "Hashing" in page
    assert "Medium" in page
    assert first.split(",")[0] in page
    assert rest, "the demo problem has more than its first paragraph"
    assert all(part.strip()[:30] not in page for part in rest)
    assert "Solve it with Alpha Code" in page
    for secret in _secrets(problem):
        assert secret not in page, secret
    assert 'id="runner"' not in page
    refused = client.get(f"/problems/{PREMIUM}/session/", headers={"accept": "application/json"})
    assert refused.status_code == 403
    assert "Subscribe" in refused.json()["error"]


def test_no_test_hint_or_solution_reaches_a_visitor_anywhere_else(client: Client, problems) -> None:
    secrets = [s for p in problems.values() for s in _secrets(p)]
    for url in ("/patterns/hashing/", "/feed/", "/sitemap.xml", "/search/?q=anagram", "/"):
        page = _text(client.get(url))
        for secret in secrets:
            assert secret not in page, (url, secret)


def test_a_member_without_premium_is_refused_the_premium_runner_and_help(
    problems, reader: User
) -> None:
    member = signed_in(reader)
    json_ = {"accept": "application/json"}
    assert member.get(f"/problems/{PREMIUM}/session/", headers=json_).status_code == 403
    for action in ("hints", "solution", "code", "solves"):
        answer = member.post(f"/problems/{PREMIUM}/{action}/", {"code": "x"}, headers=json_)
        assert answer.status_code == 403, action
    assert not Attempt.objects.exists()
    assert not Solve.objects.exists()
    assert member.get(f"/problems/{PREMIUM}/help/").status_code == 404


def test_a_subscriber_gets_the_whole_statement_and_the_runner_but_not_the_solution(
    problems, member: User
) -> None:
    problem = problems[PREMIUM]
    page = _text(signed_in(member).get(f"/problems/{PREMIUM}/"))
    assert problem.statement.split("\n\n")[0][:40] in page
    assert "<table" in page  # the statement's example table, after its first paragraph
    assert 'id="runner"' in page
    assert "Run needs JavaScript" in page
    assert problem.code["solution"].splitlines()[1] not in page
    assert problem.walkthrough[:40] not in page
    session = signed_in(member).get(f"/problems/{PREMIUM}/session/").json()
    assert session["code"] == problem.code["starter"]
    hidden = [case for case in session["cases"] if case["hidden"]]
    assert len(hidden) == problem.code["hidden-tests"].count("assert ")
    assert session["solution"] is None
    assert session["hints"] == []


def test_a_visitor_may_run_a_free_problem_but_keeps_nothing(client: Client, problems) -> None:
    session = client.get(f"/problems/{FREE}/session/").json()
    assert session["signed_in"] is False
    assert any(case["hidden"] for case in session["cases"])
    assert client.post(f"/problems/{FREE}/solves/", {"code": "x"}).status_code == 302
    assert not Solve.objects.exists()


def test_the_last_code_comes_back_on_another_device(problems, member: User) -> None:
    laptop, phone = signed_in(member), signed_in(member)
    code = "def pair_with_sum(nums, target):\n    return []  # first try\n"
    assert laptop.post(f"/problems/{FREE}/code/", {"code": code}).status_code == 204
    assert phone.get(f"/problems/{FREE}/session/").json()["code"] == code


def test_a_solve_is_kept_and_scheduled_by_the_help_it_took(problems, member: User) -> None:
    browser = signed_in(member)
    json_ = {"accept": "application/json"}
    hint = browser.post(f"/problems/{FREE}/hints/", headers=json_).json()
    assert hint["number"] == 1
    assert hint["total"] == 2
    assert problems[FREE].hints[0][:30] in hint["html"]
    # The hint comes back on another device, and the next solve is graded by it.
    assert signed_in(member).get(f"/problems/{FREE}/session/").json()["hints"] == [hint["html"]]
    solved = browser.post(f"/problems/{FREE}/solves/", {"code": "solved code"}, headers=json_)
    assert solved.status_code == 201
    today = timezone.localdate()
    assert solved.json()["due"] == (today + dt.timedelta(days=1)).isoformat()
    assert "comes back" in solved.json()["message"]
    first = Solve.objects.get()
    assert (first.grade, first.hints_shown, first.code) == ("hard", 1, "solved code")
    attempt = Attempt.objects.get()
    assert (attempt.solves, attempt.hints_shown, attempt.due) == (
        1,
        0,
        first.solved_at.date() + dt.timedelta(days=1),
    )
    # Solved again before it is due: kept, the schedule unmoved.
    browser.post(f"/problems/{FREE}/solves/", {"code": "again"}, headers=json_)
    attempt.refresh_from_db()
    assert (attempt.solves, attempt.repetitions, attempt.code) == (2, 1, "again")
    session = browser.get(f"/problems/{FREE}/session/").json()
    assert session["solved"] is True
    assert session["code"] == "again"


def test_reading_the_solution_makes_the_weakest_grade(problems, member: User) -> None:
    browser = signed_in(member)
    shown = browser.post(f"/problems/{FREE}/solution/", headers={"accept": "application/json"})
    assert problems[FREE].walkthrough[:40] in shown.json()["html"]
    assert "left, right = 0, len(nums) - 1" in re.sub("<[^>]+>", "", shown.json()["html"])
    browser.post(f"/problems/{FREE}/solves/", {"code": "x"})
    assert Solve.objects.get().grade == "again"


def test_without_javascript_hints_and_the_solution_are_on_the_help_page(
    problems, member: User
) -> None:
    browser = signed_in(member)
    answer = browser.post(f"/problems/{FREE}/hints/")
    assert answer.status_code == 302
    assert answer["Location"].endswith("/help/#hints")
    page = _text(browser.get(f"/problems/{FREE}/help/"))
    assert problems[FREE].hints[0][:30] in page
    assert problems[FREE].hints[1][:30] not in page
    assert "1 left" in page
    assert problems[FREE].walkthrough[:40] not in page
    browser.post(f"/problems/{FREE}/solution/")
    assert problems[FREE].walkthrough[:40] in _text(browser.get(f"/problems/{FREE}/help/"))


def test_code_too_long_is_refused_clearly_and_nothing_is_kept(problems, member: User) -> None:
    browser = signed_in(member)
    answer = browser.post(
        f"/problems/{FREE}/solves/", {"code": "x" * 50_001}, headers={"accept": "application/json"}
    )
    assert answer.status_code == 400
    assert "50000 characters" in answer.json()["error"]
    assert not Solve.objects.exists()
    assert not Attempt.objects.exists()


def test_a_draft_problem_is_not_found(client: Client, problems) -> None:
    Problem.objects.filter(slug=FREE).update(status="draft")
    assert client.get(f"/problems/{FREE}/").status_code == 404
    assert client.get(f"/problems/{FREE}/session/").status_code == 404


def test_the_page_loosens_the_policy_only_for_the_editors_styles_and_worker(
    client: Client, problems
) -> None:
    policy = client.get(f"/problems/{FREE}/")["Content-Security-Policy"]
    directives = dict(part.split(" ", 1) for part in policy.split("; "))
    assert directives["style-src"].startswith("'self' 'nonce-")
    assert directives["worker-src"] == "'self'"
    assert "unsafe" not in policy
    home = client.get("/")["Content-Security-Policy"]
    assert "style-src 'self';" in home


def test_the_problem_page_is_served_from_its_shell(
    client: Client, problems, django_assert_max_num_queries
) -> None:
    client.get(f"/problems/{FREE}/")
    with django_assert_max_num_queries(0):
        again = client.get(f"/problems/{FREE}/")
    assert again.status_code == 200
    member = signed_in(UserFactory())
    member.get(f"/problems/{FREE}/")
    with django_assert_max_num_queries(3):  # the session, the user, premium access
        member.get(f"/problems/{FREE}/")


def test_a_pattern_page_lists_its_problems(client: Client, problems) -> None:
    page = _text(client.get("/patterns/two-pointers/"))
    assert "Pair With Target Sum" in page
    assert "Group Anagrams" not in page


def test_the_sitemap_lists_published_problems_by_address_only(client: Client, problems) -> None:
    Problem.objects.filter(slug=FREE).update(status="draft")
    sitemap = _text(client.get("/sitemap.xml"))
    assert f"/problems/{PREMIUM}/" in sitemap
    assert f"/problems/{FREE}/" not in sitemap
    assert "/patterns/hashing/" in sitemap


def test_hints_an_editor_took_away_are_no_longer_counted(problems, member: User) -> None:
    browser = signed_in(member)
    json_ = {"accept": "application/json"}
    for _ in range(2):
        browser.post(f"/problems/{FREE}/hints/", headers=json_)
    Problem.objects.filter(slug=FREE).update(hints=["The only hint left."])
    again = browser.post(f"/problems/{FREE}/hints/", headers=json_)
    assert again.status_code == 200
    assert (again.json()["number"], again.json()["total"]) == (1, 1)
    page = _text(browser.get(f"/problems/{FREE}/help/"))
    assert "The only hint left." in page
    assert " left<" not in page  # no "-1 left", no offer of a hint there is not
    session = browser.get(f"/problems/{FREE}/session/").json()
    assert len(session["hints"]) == 1


def test_help_read_before_a_problem_is_due_still_grades_its_due_solve(
    problems, member: User
) -> None:
    browser = signed_in(member)
    browser.post(f"/problems/{FREE}/solves/", {"code": "first"})  # easy: due tomorrow
    browser.post(f"/problems/{FREE}/solution/")
    browser.post(f"/problems/{FREE}/solves/", {"code": "early"})  # not due: moves nothing
    attempt = Attempt.objects.get()
    assert attempt.solution_seen
    due_day = attempt.due
    assert due_day is not None
    with time_machine.travel(dt.datetime.combine(due_day, dt.time(12), tzinfo=dt.UTC)):
        browser.post(f"/problems/{FREE}/solves/", {"code": "due"})
    grades = list(Solve.objects.order_by("solved_at").values_list("code", "grade"))
    assert grades == [("first", "easy"), ("early", "again"), ("due", "again")]
    attempt.refresh_from_db()
    assert attempt.lapses == 1  # the due solve counted as read: it starts again from one day
    assert not attempt.solution_seen
