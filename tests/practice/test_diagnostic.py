"""The diagnostic as a reader takes it: twelve statements, one per pattern, answered with the
pattern that solves each against the clock; the weak-set it finds; retakes; and what never
reaches the page (a problem's title, a premium statement past its first paragraph)."""

from __future__ import annotations

import datetime as dt
import re
from http import HTTPStatus

import pytest
import time_machine
from django.test import Client

from accounts.models import User
from articles.models import Pattern
from articles.reference_data import PATTERNS
from practice.diagnostic import (
    DiagnosticRefused,
    diagnostic_answer,
    diagnostic_history,
    diagnostic_show,
    diagnostic_start,
    next_question,
    weak_patterns,
)
from practice.models import Diagnostic, DiagnosticAnswer
from practice.services import problems_import

from ..conftest import signed_in
from ..factories import make_problem, solved, subscriber

START = dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC)
SLUGS = [slug for slug, _ in PATTERNS]
NAMES = dict(PATTERNS)


@pytest.fixture
def problems(db) -> None:
    """Two published problems for each pattern: `<pattern>-a` and `<pattern>-b`."""
    for slug in SLUGS:
        make_problem(f"{slug}-a", slug)
        make_problem(f"{slug}-b", slug)


def asked(diagnostic: Diagnostic) -> list[DiagnosticAnswer]:
    return list(diagnostic.answers.select_related("problem", "pattern").order_by("position"))


def take(
    diagnostic: Diagnostic,
    traveller,
    answers: dict[str, tuple[str | None, int]] | None = None,
    *,
    count: int | None = None,
) -> None:
    """Answer its statements in order: the pattern asked -> (the answer, a slug or None for "not
    sure"; the seconds it takes); a statement not named is answered right in 10 seconds."""
    answers = answers or {}
    done = 0
    while (question := next_question(diagnostic)) is not None and done != count:
        diagnostic_show(question)
        chosen, seconds = answers.get(question.pattern.slug, (question.pattern.slug, 10))
        traveller.shift(dt.timedelta(seconds=seconds))
        diagnostic_answer(diagnostic, question.position, chosen)
        done += 1


def test_a_diagnostic_asks_one_published_unsolved_problem_per_pattern_in_a_shuffled_order(
    reader: User,
) -> None:
    for slug in SLUGS:
        if slug != "intervals":
            make_problem(f"{slug}-a", slug)
            make_problem(f"{slug}-b", slug)
    make_problem("intervals-draft", "intervals", status="draft")
    make_problem("intervals-later", "intervals", published_at=START + dt.timedelta(days=3650))
    make_problem("no-pattern", None)
    for slug in SLUGS[:6]:
        solved(reader, make_problem(f"{slug}-solved", slug))
    diagnostic = diagnostic_start(reader)
    answers = asked(diagnostic)
    assert [a.position for a in answers] == list(range(1, 12))
    # Every pattern once, but intervals: it has no published problem, so it is not asked.
    assert sorted(a.pattern.slug for a in answers) == sorted(set(SLUGS) - {"intervals"})
    for answer in answers:
        assert answer.problem.pattern_id == answer.pattern_id
        assert answer.problem.slug in {f"{answer.pattern.slug}-a", f"{answer.pattern.slug}-b"}
    assert [a.pattern.slug for a in answers] != [s for s in SLUGS if s != "intervals"]


def test_a_pattern_whose_problems_are_all_solved_is_asked_with_one_of_them(reader: User) -> None:
    solved(reader, make_problem("only-one", "heaps"))
    (answer,) = asked(diagnostic_start(reader))
    assert (answer.problem.slug, answer.pattern.slug) == ("only-one", "heaps")


def test_a_retake_asks_problems_not_shown_before_while_any_are_left(reader: User) -> None:
    for slug in SLUGS[:3]:
        make_problem(f"{slug}-a", slug)
        make_problem(f"{slug}-b", slug)
    shown = []
    with time_machine.travel(START, tick=False) as traveller:
        for _ in range(3):
            diagnostic = diagnostic_start(reader)
            shown.append({a.problem.slug for a in asked(diagnostic)})
            take(diagnostic, traveller)
            traveller.shift(dt.timedelta(days=1))
    assert len(shown[0]) == 3
    assert not shown[0] & shown[1]
    # Every problem has been shown once: the ones shown longest ago come back.
    assert shown[2] == shown[0]


def test_the_weak_set_is_wrong_not_sure_and_slow_answers_at_most_three_slowest_first(
    reader: User, problems: None
) -> None:
    with time_machine.travel(START, tick=False) as traveller:
        diagnostic = diagnostic_start(reader)
        take(
            diagnostic,
            traveller,
            {
                "hashing": ("two-pointers", 10),  # wrong
                "stacks": (None, 5),  # not sure, and quick: the fourth slowest, left out
                "graphs": ("graphs", 70),  # right but slow
                "heaps": ("heaps", 61),  # right, one second over
                "trees": ("trees", 60),  # right, on the target: not weak
            },
        )
    diagnostic.refresh_from_db()
    assert diagnostic.finished_at == START + dt.timedelta(seconds=10 * 7 + 10 + 5 + 70 + 61 + 60)
    assert diagnostic.weak_patterns == ["graphs", "heaps", "hashing"]
    assert [p.slug for p in weak_patterns(reader)] == ["graphs", "heaps", "hashing"]
    seconds = {a.pattern.slug: a.seconds for a in asked(diagnostic)}
    assert (seconds["graphs"], seconds["stacks"], seconds["binary-search"]) == (70, 5, 10)
    (result,) = diagnostic_history(reader)
    assert (result.right, result.total) == (10, 12)


def test_a_diagnostic_with_no_weak_pattern_has_an_empty_weak_set(
    reader: User, problems: None
) -> None:
    with time_machine.travel(START, tick=False) as traveller:
        take(diagnostic_start(reader), traveller)
    assert weak_patterns(reader) == []
    assert diagnostic_history(reader)[0].right == 12


def test_an_answer_is_given_once_and_a_finished_diagnostic_takes_none(
    reader: User, problems: None
) -> None:
    with time_machine.travel(START, tick=False) as traveller:
        diagnostic = diagnostic_start(reader)
        first = diagnostic_show(next_question(diagnostic))
        with pytest.raises(DiagnosticRefused, match="has not been shown yet"):
            diagnostic_answer(diagnostic, 2, None)
        with pytest.raises(DiagnosticRefused, match="Pick one of the patterns"):
            diagnostic_answer(diagnostic, 1, "no-such-pattern")
        traveller.shift(dt.timedelta(seconds=8))
        diagnostic_answer(diagnostic, 1, None)
        traveller.shift(dt.timedelta(seconds=8))
        with pytest.raises(DiagnosticRefused, match="answered already"):
            diagnostic_answer(diagnostic, 1, first.pattern.slug)
        assert DiagnosticAnswer.objects.get(pk=first.pk).answer is None
        assert DiagnosticAnswer.objects.get(pk=first.pk).seconds == 8
        take(diagnostic, traveller)
        with pytest.raises(DiagnosticRefused, match="finished"):
            diagnostic_answer(diagnostic, 12, None)
    with pytest.raises(DiagnosticRefused, match="no such statement"):
        diagnostic_answer(diagnostic_start(reader), 13, None)


def test_starting_twice_resumes_the_unfinished_diagnostic(reader: User, problems: None) -> None:
    first = diagnostic_start(reader)
    assert diagnostic_start(reader) == first
    assert Diagnostic.objects.filter(user=reader).count() == 1


def test_retaking_replaces_the_weak_set_and_keeps_every_result(
    reader: User, problems: None
) -> None:
    client = signed_in(reader)
    with time_machine.travel(START, tick=False) as traveller:
        take(diagnostic_start(reader), traveller, {"trees": (None, 3)})
        traveller.shift(dt.timedelta(days=2))
        take(diagnostic_start(reader), traveller, {"heaps": ("trees", 4), "graphs": (None, 9)})
    assert [p.slug for p in weak_patterns(reader)] == ["graphs", "heaps"]
    results = diagnostic_history(reader)
    assert [[p.slug for p in r.weak] for r in results] == [["graphs", "heaps"], ["trees"]]
    page = client.get("/diagnostic/").content.decode()
    assert "Retake the diagnostic" in page
    rows = re.findall(r"<tr>.*?</tr>", page, re.S)[1:]
    assert len(rows) == 2
    assert "9 Dec 2026" in rows[0]
    assert "10/12" in rows[0]
    assert "Graphs</a>, " in rows[0]
    assert "7 Dec 2026" in rows[1]
    assert "11/12" in rows[1]
    assert ">Trees</a>" in rows[1]


def test_taking_the_diagnostic_with_plain_forms(reader: User) -> None:
    for slug in ("hashing", "stacks", "graphs"):
        make_problem(f"{slug}-a", slug, statement=f"Solve the {slug} puzzle quickly.")
    client = signed_in(reader)
    page = client.get("/diagnostic/").content.decode()
    assert "about ten minutes" in page.lower()
    assert "“Not sure” is an answer" in page
    with time_machine.travel(START, tick=False) as traveller:
        response = client.post("/diagnostic/")
        diagnostic = Diagnostic.objects.get(user=reader)
        assert response["Location"] == f"/diagnostic/{diagnostic.pk}/"
        for position in (1, 2, 3):
            page = client.get(response["Location"]).content.decode()
            assert f"Statement {position} of 3" in page
            radios = re.findall(r'<input type="radio"[^>]*value="([^"]+)"', page)
            assert radios == [*SLUGS, "not-sure"]
            statement = re.search(r"Solve the ([a-z-]+) puzzle quickly", page).group(1)
            assert 'data-elapsed="0"' in page
            assert ">0 s<" in page
            assert "target 60 s" in page
            assert re.search(r'<script src="[^"]*diagnostic[^"]*\.js" nonce="[^"]+"', page)
            traveller.shift(dt.timedelta(seconds=20 * position))
            chosen = {"hashing": "hashing", "stacks": "not-sure", "graphs": "trees"}[statement]
            response = client.post(
                f"/diagnostic/{diagnostic.pk}/answer/", {"position": position, "pattern": chosen}
            )
            assert response["Location"] == f"/diagnostic/{diagnostic.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert "Your diagnostic result" in page
    assert "1 of 3 right" in page
    # The weak-set, the slowest first, each with its pattern's page and its problems.
    weak = page[page.index('id="weak-heading"') : page.index('id="answers-heading"')]
    graphs, stacks = weak.index('href="/patterns/graphs/"'), weak.index('href="/patterns/stacks/"')
    assert (graphs < stacks) == (
        DiagnosticAnswer.objects.get(pattern__slug="graphs").seconds
        > DiagnosticAnswer.objects.get(pattern__slug="stacks").seconds
    )
    assert 'href="/problems/graphs-a/"' in weak
    assert 'href="/problems/stacks-a/"' in weak
    assert "/patterns/hashing/" not in weak
    rows = page[page.index('id="answers-heading"') :]
    assert re.search(r"Hashing</td>\s*<td>Hashing</td>\s*<td>\d+ s</td>\s*<td><span", rows)
    assert re.search(r"Stacks</td>\s*<td>Not sure</td>", rows)
    assert re.search(r"Graphs</td>\s*<td>Trees</td>.*?Wrong", rows, re.S)
    # Listed on the diagnostic's page, with its score.
    assert "1/3" in client.get("/diagnostic/").content.decode()


def test_the_clock_runs_from_when_the_statement_was_first_shown(reader: User) -> None:
    make_problem("heaps-a", "heaps")
    client = signed_in(reader)
    with time_machine.travel(START, tick=False) as traveller:
        url = client.post("/diagnostic/")["Location"]
        assert ">0 s<" in client.get(url).content.decode()
        traveller.shift(dt.timedelta(seconds=42))
        # A reload shows the time since it was first shown: it never starts the clock again.
        page = client.get(url).content.decode()
        assert 'data-elapsed="42"' in page
        assert ">42 s<" in page
        traveller.shift(dt.timedelta(seconds=28))
        assert 'class="diagnostic-time over"' in client.get(url).content.decode()
        client.post(url + "answer/", {"position": 1, "pattern": "heaps"})
    answer = DiagnosticAnswer.objects.get()
    assert (answer.shown_at, answer.seconds) == (START, 70)
    assert Diagnostic.objects.get().weak_patterns == ["heaps"]  # right, but slower than 60 s


def test_a_statement_is_shown_never_its_title(reader: User) -> None:
    make_problem(
        "two-sum-sorted",
        "two-pointers",
        title="Two Pointers Over A Sorted List",
        statement="Find two numbers in a sorted list that add up to a target.",
    )
    client = signed_in(reader)
    page = client.get(client.post("/diagnostic/")["Location"]).content.decode()
    assert "Find two numbers in a sorted list that add up to a target." in page
    assert "Two Pointers Over A Sorted List" not in page
    assert "two-sum-sorted" not in page


PREMIUM = """---
title: "Rooms For Every Meeting"
slug: rooms-for-every-meeting
patterns: [intervals]
difficulty: medium
access: premium
status: published
published_at: 2026-01-01T09:00:00Z
---
Given meetings as pairs of start and end times, return how many rooms they need at once.

Sort the starts and the ends apart, then sweep the two lists together counting rooms in use.

## Hints

1. When does a room free up?

## Solution

Sweep both sorted lists.

```python solution
def rooms(meetings: list[tuple[int, int]]) -> int:
    starts = sorted(s for s, _ in meetings)
    ends = sorted(e for _, e in meetings)
    used = best = j = 0
    for start in starts:
        while j < len(ends) and ends[j] <= start:
            used, j = used - 1, j + 1
        used += 1
        best = max(best, used)
    return best
```

```python starter
def rooms(meetings: list[tuple[int, int]]) -> int:
    pass
```

```python tests
assert rooms([(0, 30), (5, 10), (15, 20)]) == 2
assert rooms([(7, 10), (2, 4)]) == 1
```
"""
FIRST = "Given meetings as pairs of start and end times, return how many rooms they need at once."
SECOND = "Sort the starts and the ends apart"


def test_a_premium_statement_past_its_first_paragraph_never_reaches_a_reader_without_access(
    reader: User,
) -> None:
    problems_import([("rooms.md", PREMIUM)])
    client = signed_in(reader)
    page = client.get(client.post("/diagnostic/")["Location"]).content.decode()
    assert FIRST in page
    assert SECOND not in page
    assert "Rooms For Every Meeting" not in page
    member = subscriber()
    page = signed_in(member).get(signed_in(member).post("/diagnostic/")["Location"])
    assert SECOND in page.content.decode()


def test_only_its_reader_sees_or_answers_a_diagnostic(reader: User, problems: None) -> None:
    diagnostic = diagnostic_start(reader)
    other = signed_in(subscriber())
    url = f"/diagnostic/{diagnostic.pk}/"
    assert other.get(url).status_code == HTTPStatus.NOT_FOUND
    response = other.post(url + "answer/", {"position": 1, "pattern": "hashing"})
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert not DiagnosticAnswer.objects.filter(shown_at__isnull=False).exists()


def test_visitors_read_what_it_is_and_are_asked_to_sign_in(client: Client, problems: None) -> None:
    page = client.get("/diagnostic/")
    assert page.status_code == HTTPStatus.OK
    assert 'href="/accounts/login/?next=/diagnostic/"' in page.content.decode()
    diagnostic = diagnostic_start(subscriber())
    for response in (
        client.post("/diagnostic/"),
        client.get(f"/diagnostic/{diagnostic.pk}/"),
        client.post(f"/diagnostic/{diagnostic.pk}/answer/", {"position": 1, "pattern": "heaps"}),
        client.get("/practice/"),
    ):
        assert response.status_code == HTTPStatus.FOUND
        assert response["Location"].startswith("/accounts/login/")
    assert Diagnostic.objects.count() == 1


def test_answering_twice_or_without_a_choice_gets_a_clear_message(
    reader: User, problems: None
) -> None:
    client = signed_in(reader)
    url = client.post("/diagnostic/")["Location"]
    client.get(url)
    page = client.post(url + "answer/", {"position": 1}, follow=True).content.decode()
    assert "Pick one of the patterns, or “Not sure”, then submit." in page
    assert "Statement 1 of 12" in page
    client.post(url + "answer/", {"position": 1, "pattern": "not-sure"})
    page = client.post(url + "answer/", {"position": 1, "pattern": "heaps"}, follow=True)
    assert "Statement 1 is answered already; an answer cannot be changed." in (
        page.content.decode()
    )
    assert DiagnosticAnswer.objects.get(position=1).answer is None


def test_with_no_problems_published_the_diagnostic_cannot_start(reader: User) -> None:
    page = signed_in(reader).post("/diagnostic/", follow=True).content.decode()
    assert "There are no practice problems to ask about yet." in page
    assert not Diagnostic.objects.exists()


def test_the_question_page_reads_the_database_a_bounded_number_of_times(
    reader: User, problems: None, django_assert_max_num_queries
) -> None:
    client = signed_in(reader)
    url = client.post("/diagnostic/")["Location"]
    client.get(url)
    with django_assert_max_num_queries(10):
        page = client.get(url)
    assert "Statement 1 of 12" in page.content.decode()
    assert Pattern.objects.count() == len(NAMES)


def test_a_right_answer_a_fraction_over_the_target_is_slow(reader: User, problems: None) -> None:
    with time_machine.travel(START, tick=False) as traveller:
        diagnostic = diagnostic_start(reader)
        take(diagnostic, traveller, {"heaps": ("heaps", 60)})
        # 60.4 seconds on one statement of a second diagnostic: slower than 60.
    with time_machine.travel(START + dt.timedelta(days=1), tick=False) as traveller:
        again = diagnostic_start(reader)
        question = next_question(again)
        assert question is not None
        diagnostic_show(question)
        traveller.shift(dt.timedelta(seconds=60.4))
        diagnostic_answer(again, question.position, question.pattern.slug)
        take(again, traveller)
    diagnostic.refresh_from_db()
    again.refresh_from_db()
    assert diagnostic.weak_patterns == []
    assert again.weak_patterns == [question.pattern.slug]


def test_a_statement_whose_problem_is_unpublished_is_not_asked_and_never_strands_the_reader(
    reader: User, problems: None
) -> None:
    browser = signed_in(reader)
    with time_machine.travel(START, tick=False) as traveller:
        diagnostic = diagnostic_start(reader)
        take(diagnostic, traveller, count=10)
        left = [a for a in asked(diagnostic) if a.answered_at is None]
        assert len(left) == 2
        # An editor unpublishes one of the two left and deletes the other.
        left[0].problem.status = "draft"
        left[0].problem.save()
        left[1].problem.delete()
        page = browser.get(f"/diagnostic/{diagnostic.pk}/")
    assert page.status_code == HTTPStatus.OK
    assert left[0].problem.statement[:30] not in page.content.decode()
    diagnostic.refresh_from_db()
    assert diagnostic.finished_at is not None  # its result stands, from the ten answered
    assert "Retake the diagnostic" in browser.get("/diagnostic/").content.decode()
    assert diagnostic_start(reader).pk != diagnostic.pk
