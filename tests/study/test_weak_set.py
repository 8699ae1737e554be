"""The diagnostic's weak-set where a reader studies: named on /progress/ (or the diagnostic
offered), and first in /plan/ (its guides, then its problems to solve)."""

from __future__ import annotations

import datetime as dt
import re

from django.utils import timezone

from accounts.models import User
from articles.models import Pattern
from study.models import Plan

from ..conftest import signed_in
from ..factories import finished_diagnostic, make_guide, make_problem, solved


def test_progress_names_the_weak_set_with_the_latest_diagnostics_date(reader: User) -> None:
    client = signed_in(reader)
    page = client.get("/progress/").content.decode()
    assert '<a class="button" href="/diagnostic/">Take the diagnostic</a>' in page
    finished_diagnostic(reader, ["trees"], finished_at=dt.datetime(2026, 11, 2, tzinfo=dt.UTC))
    finished_diagnostic(
        reader, ["heaps", "graphs"], finished_at=dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    )
    page = client.get("/progress/").content.decode()
    weak = page[page.index('id="weak-heading"') : page.index("</section>", page.index("weak"))]
    assert re.findall(r'<li><a href="/patterns/([a-z-]+)/">', weak) == ["heaps", "graphs"]
    assert ">1 December 2026</time>" in weak
    assert 'href="/diagnostic/">Retake the diagnostic</a>' in weak
    assert "Take the diagnostic</a>" not in weak


def test_the_plan_puts_the_weak_sets_guides_first_and_adds_its_unsolved_problems(
    reader: User,
) -> None:
    one = make_guide(slug="one", title="Guide one")
    trees = make_guide(slug="on-trees", title="Guide on trees")
    heaps = make_guide(slug="on-heaps", title="Guide on heaps")
    trees.patterns.set([Pattern.objects.get(slug="trees")])
    heaps.patterns.set([Pattern.objects.get(slug="heaps")])
    Plan.objects.create(
        user=reader, interview_date=timezone.localdate() + dt.timedelta(days=5), daily_minutes=600
    ).tracks.set([one.track])
    for slug, pattern in [("heap-one", "heaps"), ("tree-one", "trees"), ("hash-one", "hashing")]:
        make_problem(slug, pattern)
    solved(reader, make_problem("tree-solved", "trees"))
    make_problem("heap-premium", "heaps", access="premium")
    client = signed_in(reader)
    page = client.get("/plan/").content.decode()
    assert page.index("Read Guide one") < page.index("Read Guide on trees")
    assert "Solve " not in page  # no diagnostic yet: no weak-set
    finished_diagnostic(reader, ["heaps", "trees"])
    page = client.get("/plan/").content.decode()
    # The days in order (under an hour of work, spread over the five days).
    days = page[page.index(">Today <") : page.index('id="plan-form-heading"')]
    reads = re.findall(r">Read (Guide [a-z ]+)</a>", days)
    assert reads == ["Guide on heaps", "Guide on trees", "Guide one"]
    assert re.findall(r'<a href="/problems/([a-z-]+)/">Solve ', days) == ["heap-one", "tree-one"]
    assert "Practice · 20 min" in days
    # Not the solved one, nor a premium one the reader cannot open.
    assert "tree-solved" not in page
    assert "heap-premium" not in page
