"""The promise of issue 22, end to end in Chromium: a member takes the diagnostic, sees their
weak-set, solves one of its problems in the browser, and finds it due again days later."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import expect

from practice.models import Attempt, DiagnosticAnswer, Problem, Solve
from practice.services import problem_files, problems_import
from tests.browser.conftest import sign_in
from tests.conftest import CONTENT
from tests.factories import subscriber

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_diagnostic_weak_set_solve_in_the_browser_and_due_again(site, new_page) -> None:
    problems_import(problem_files([CONTENT.parent / "problems"]))
    member = subscriber()
    page = new_page(bypass_csp=False)
    sign_in(page, member, site)

    # The diagnostic: every statement answered right but one, which is answered "Not sure".
    page.goto(site + "/diagnostic/")
    page.get_by_role("button", name="Start the diagnostic").click()
    unsure = None
    for number in range(1, 13):
        expect(page.get_by_role("heading", name=f"Statement {number} of 12")).to_be_visible()
        asked = DiagnosticAnswer.objects.select_related("pattern").get(
            diagnostic__user=member, position=number
        )
        if number == 5:
            unsure = asked.pattern
            page.get_by_label("Not sure").check()
        else:
            page.get_by_label(asked.pattern.name, exact=True).check()
        page.get_by_role("button", name="Submit").click()
    assert unsure is not None

    # The weak-set is that one pattern, on /progress/ and first on /practice/.
    page.goto(site + "/progress/")
    expect(page.locator(".weak-set")).to_have_text(unsure.name)
    page.goto(site + "/practice/")
    weak_problem = Problem.objects.filter(pattern=unsure).order_by("difficulty", "title").first()
    assert weak_problem is not None
    page.get_by_role("link", name=weak_problem.title).first.click()

    # Solved in the browser: the solution typed into the editor, Run, every case passes.
    editor = page.get_by_role("textbox", name="Your code")
    editor.click()
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.insert_text(weak_problem.code["solution"])
    run = page.locator("#runner .button-group button").first
    expect(run).to_have_text("Run", timeout=60_000)
    run.click()
    expect(page.get_by_role("status")).to_contain_text("Solved.", timeout=30_000)
    solve = Solve.objects.get(user=member, problem=weak_problem)
    assert solve.grade == "easy"  # no hint, no solution read
    due = Attempt.objects.get(user=member, problem=weak_problem).due
    assert due == timezone.localdate() + dt.timedelta(days=1)

    # Not due today; due once its day has come.
    page.goto(site + "/practice/")
    due_panel = page.locator("section", has=page.get_by_role("heading", name="Due to re-solve"))
    expect(due_panel).not_to_contain_text(weak_problem.title)
    with time_machine.travel(timezone.now() + dt.timedelta(days=3), tick=True):
        page.goto(site + "/practice/")
        expect(due_panel).to_contain_text(weak_problem.title)
        expect(due_panel).to_contain_text("due since")
