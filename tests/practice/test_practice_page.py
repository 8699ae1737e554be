"""/practice/ as a reader uses it: re-solves that are due (the weak-set's first), the phrase cards
due today, the weak-set or a prompt to find it, and every published problem by its pattern."""

from __future__ import annotations

import datetime as dt
import re

from django.utils import timezone

from accounts.models import User
from articles.reference_data import PATTERNS

from ..conftest import signed_in
from ..factories import UserFactory, finished_diagnostic, make_guide, make_problem, solved


def days(n: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=n)


def between(page: str, start: str, end: str) -> str:
    return page[page.index(start) : page.index(end)]


def linked_problems(html: str) -> list[str]:
    return re.findall(r'href="/problems/([^/]+)/"', html)


def test_due_re_solves_come_weak_patterns_first_then_by_the_day_they_were_due(
    reader: User,
) -> None:
    finished_diagnostic(reader, ["graphs", "heaps"])
    for slug, pattern, due in [
        ("hash-old", "hashing", -5),
        ("graph-today", "graphs", 0),
        ("heap-old", "heaps", -3),
        ("graph-old", "graphs", -1),
        ("tree-tomorrow", "trees", 1),
    ]:
        solved(reader, make_problem(slug, pattern), due=days(due))
    make_problem("graph-unsolved", "graphs")
    solved(reader, make_problem("graph-draft", "graphs", status="draft"), due=days(-9))
    solved(UserFactory(), make_problem("others-due", "graphs"), due=days(-2))
    page = signed_in(reader).get("/practice/").content.decode()
    due = between(page, 'id="due-heading"', 'id="drills-heading"')
    assert linked_problems(due) == ["graph-old", "graph-today", "heap-old", "hash-old"]
    assert "due today" in due
    assert "due since" in due


def test_problems_are_listed_by_pattern_the_weak_sets_first_with_what_the_reader_needs(
    reader: User,
) -> None:
    finished_diagnostic(reader, ["trees", "heaps"])
    make_problem("hash-one", "hashing")
    make_problem("tree-hard", "trees", difficulty="hard", access="premium", title="Tree hard")
    make_problem("tree-easy", "trees", title="Tree easy")
    make_problem("heap-one", "heaps", difficulty="medium")
    make_problem("stack-one", "stacks")
    make_problem("misc", None)
    make_problem("tree-draft", "trees", status="draft")
    solved(reader, make_problem("tree-solved", "trees", difficulty="medium"))
    page = signed_in(reader).get("/practice/").content.decode()
    listing = page[page.index('id="problems-heading"') :]
    headings = re.findall(r'<h3 id="pattern-([a-z-]+)"', listing)
    assert headings == ["trees", "heaps", "hashing", "stacks", "other"]
    trees = between(listing, 'id="pattern-trees"', 'id="pattern-heaps"')
    assert linked_problems(trees) == ["tree-easy", "tree-solved", "tree-hard"]
    assert '<span class="badge badge-weak">Weak</span>' in trees
    assert re.search(
        r"Tree hard</a></th>\s*<td>Hard</td>\s*<td><span class=\"badge badge-premium\">Premium"
        r"</span></td>\s*<td>Not solved</td>",
        trees,
    )
    assert re.search(
        r"Tree solved</a></th>\s*<td>Medium</td>\s*<td><span class=\"badge badge-free\">Free"
        r"</span></td>\s*<td><span class=\"status-ok\">Solved</span></td>",
        trees,
    )
    assert "badge-weak" not in between(listing, 'id="pattern-hashing"', 'id="pattern-other"')
    weak = between(page, 'id="weak-heading"', 'id="problems-heading"')
    assert re.findall(r'href="/patterns/([a-z-]+)/"', weak) == ["trees", "heaps"]


def test_a_reader_without_a_diagnostic_is_asked_to_take_it(reader: User) -> None:
    make_problem("hash-one", "hashing")
    page = signed_in(reader).get("/practice/").content.decode()
    weak = between(page, 'id="weak-heading"', 'id="problems-heading"')
    assert '<a class="button" href="/diagnostic/">Take the diagnostic</a>' in weak
    assert "Nothing to re-solve today." in page
    headings = re.findall(r'<h3 id="pattern-([a-z-]+)"', page)
    assert headings == ["hashing"]


def test_the_phrase_cards_due_today_are_counted_beside_the_re_solves(reader: User) -> None:
    make_guide(slug="phrases", sections=[[("phrases", "L | R\nStart | Restate.\nStuck | Say.")]])
    page = signed_in(reader).get("/practice/").content.decode()
    drills = between(page, 'id="drills-heading"', 'id="weak-heading"')
    assert "2 cards due today." in drills
    assert 'href="/drills/"' in drills


def test_the_practice_page_reads_the_database_a_bounded_number_of_times(
    reader: User, django_assert_max_num_queries
) -> None:
    finished_diagnostic(reader, ["graphs", "heaps", "trees"])
    for n, (slug, _) in enumerate(PATTERNS):
        for kind in ("a", "b", "c"):
            problem = make_problem(f"{slug}-{kind}", slug)
            if kind == "a":
                solved(reader, problem, due=days(-n))
    client = signed_in(reader)
    client.get("/practice/")
    with django_assert_max_num_queries(12):
        page = client.get("/practice/").content.decode()
    assert len(linked_problems(between(page, 'id="due-heading"', 'id="drills-heading"'))) == 12
