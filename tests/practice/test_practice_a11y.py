"""Practice and the diagnostic as pages: no serious or critical axe-core violations in a real
browser (light and dark), no W3C Nu checker errors, and the diagnostic's clock ticking under the
site's real Content Security Policy."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import User
from articles.reference_data import PATTERNS
from practice.diagnostic import diagnostic_answer, diagnostic_show, diagnostic_start, next_question
from practice.models import Diagnostic
from study.models import Plan

from ..browser.conftest import axe_violations, sign_in
from ..conftest import signed_in
from ..factories import SubscriptionFactory, make_guide, make_problem, solved, subscriber


def practising(reader: User) -> tuple[Diagnostic, Diagnostic]:
    """A reader mid-way through practice: problems for every pattern (some premium, some solved
    and due), phrase cards, a plan, a finished diagnostic with a weak-set and one under way.
    Returns (finished, under way)."""
    for n, (slug, _) in enumerate(PATTERNS):
        make_problem(
            f"{slug}-a",
            slug,
            statement=f"A first paragraph about {slug}.\n\nA second paragraph with `code`.",
        )
        make_problem(f"{slug}-b", slug, access="premium", difficulty="hard")
        if n < 4:
            solved(reader, make_problem(f"{slug}-solved", slug, difficulty="medium"), due=None)
    solved(reader, make_problem("due-today", "heaps"), due=timezone.localdate())
    make_problem("unfiled", None)
    guide = make_guide(slug="phrases", sections=[[("phrases", "L | R\nStart | Restate.")]])
    Plan.objects.create(
        user=reader, interview_date=timezone.localdate() + dt.timedelta(days=6), daily_minutes=90
    ).tracks.set([guide.track])
    finished = diagnostic_start(reader)
    while (question := next_question(finished)) is not None:
        diagnostic_show(question)
        right = question.position % 3 != 0
        diagnostic_answer(finished, question.position, question.pattern.slug if right else None)
    return finished, diagnostic_start(reader)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_practice_and_diagnostic_pages_have_no_axe_violations(
    site, new_page, reader: User, scheme: str
) -> None:
    SubscriptionFactory(user=reader)
    finished, under_way = practising(reader)
    visitor = new_page(color_scheme=scheme)
    visitor.goto(site + "/diagnostic/")
    found = {"visitor /diagnostic/": axe_violations(visitor)}
    page = new_page(color_scheme=scheme)
    sign_in(page, reader, site)
    for path in [
        "/practice/",
        "/diagnostic/",
        f"/diagnostic/{under_way.pk}/",
        f"/diagnostic/{finished.pk}/",
        "/progress/",
        "/plan/",
    ]:
        page.goto(site + path)
        found[path] = axe_violations(page)
    problems = {path: v for path, v in found.items() if v}
    assert not problems, "\n".join(f"{p}: {v}" for p, v in problems.items())


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_diagnostic_clock_ticks_under_the_real_content_security_policy(
    site, new_page, reader: User
) -> None:
    make_problem("heaps-a", "heaps")
    under_way = diagnostic_start(reader)
    page = new_page(bypass_csp=False)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, reader, site)
    page.goto(f"{site}/diagnostic/{under_way.pk}/")
    clock = page.locator("[data-clock-time]")
    assert clock.text_content() == "0 s"
    page.wait_for_function(
        "() => document.querySelector('[data-clock-time]').textContent !== '0 s'", timeout=5_000
    )
    assert clock.text_content() in {"1 s", "2 s", "3 s"}
    assert not errors


def test_practice_and_diagnostic_pages_pass_the_html_checker(reader: User) -> None:
    from ..test_valid_html import vnu_errors

    finished, under_way = practising(reader)
    client = signed_in(reader)  # no subscription: the premium statements are cut
    member = subscriber()
    member_client = signed_in(member)
    member_way = diagnostic_start(member)
    pages = {
        "visitor diagnostic": Client().get("/diagnostic/"),
        "practice": client.get("/practice/"),
        "diagnostic with results": client.get("/diagnostic/"),
        "diagnostic question": client.get(f"/diagnostic/{under_way.pk}/"),
        "diagnostic result": client.get(f"/diagnostic/{finished.pk}/"),
        "progress with a weak-set": client.get("/progress/"),
        "plan with problems": client.get("/plan/"),
        "member diagnostic question": member_client.get(f"/diagnostic/{member_way.pk}/"),
        "member practice without a diagnostic": member_client.get("/practice/"),
    }
    assert all(response.status_code == 200 for response in pages.values())
    errors = vnu_errors({name: r.content.decode() for name, r in pages.items()})
    assert errors == []
