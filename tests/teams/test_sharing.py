"""A member's progress shared with their team's manager: nothing shown without the member's
choice, the figures of their own pages once they share (guides finished, checklist readiness,
problems solved, weak-set, mock rounds), hidden again when they withdraw; and the manager's
page stays within its query budget however many share."""

from __future__ import annotations

import datetime as dt
from http import HTTPStatus

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import User
from articles.models import Guide, Item
from billing.models import ComplimentaryAccess
from mocks.history import member_history, rounds_held_counts
from practice.diagnostic import latest_result, latest_weak_sets, solved_counts, solved_problem_ids
from study.selectors import TrackProgress, progress, progress_totals
from study.services.reading import set_finished
from teams.models import Member

from ..factories import UserFactory, finished_diagnostic, make_guide, make_problem, solved
from ..helpers import JSON
from ..mocks.booked import booked

pytestmark = pytest.mark.django_db

# The manager's page: the session, the user, the team, seats, members, invites, a second
# subscription (seats paid twice), and the shared progress of every member who shares it
# (eight queries for all of them).
BUDGET = 15


@pytest.fixture
def checklist_guide(db) -> Guide:
    return make_guide(
        slug="team-checklists",
        access="premium",
        preview_sections=1,
        sections=[
            [("paragraph", "Open text."), ("checklist", "Alpha\nBravo\nCharlie")],
            [("paragraph", "Locked text."), ("checklist", "Delta")],
        ],
    )


def studied(user: User, client: Client, guide: Guide) -> None:
    """A member who finished the guide, ticked two of its four items, solved a problem, took
    the diagnostic (weak at graphs) and held a mock two days ago."""
    for item in Item.objects.filter(block__section__guide=guide).order_by("pk")[:2]:
        response = client.post("/progress/tick/", {"item": item.pk, "checked": "1"}, **JSON)
        assert response.status_code == HTTPStatus.OK
    set_finished(user, guide, True)
    solved(user, make_problem(f"solved-by-{user.pk}", "hashing"))
    finished_diagnostic(user, ["graphs"])
    booked(timezone.now() - dt.timedelta(days=2), first=user)


def progress_table(manager_client: Client) -> str:
    page = manager_client.get("/teams/").content.decode()
    start = page.find('id="progress-heading"')
    return page[start : page.find("</section>", start)]


@pytest.fixture
def team_of_one(manager_client, fake_stripe, buy, join):
    buy(manager_client, seats=4)
    manager_client.post("/teams/invite/", {"emails": "ada@example.com"})
    ada = UserFactory(email="ada@example.com")
    return ada, join(ada)


def test_progress_is_shown_only_once_the_member_shares_it(
    manager_client, team_of_one, checklist_guide
) -> None:
    ada, ada_client = team_of_one
    studied(ada, ada_client, checklist_guide)
    hidden = progress_table(manager_client)
    assert "ada@example.com" not in hidden
    assert "Graphs" not in hidden

    page = ada_client.get("/teams/").content.decode()
    assert "Your progress is private" in page
    ada_client.post("/teams/sharing/", {"shares": "on"})
    assert Member.objects.get(user=ada).shares_progress
    shown = progress_table(manager_client)
    assert "ada@example.com" in shown
    assert '<td>1 <span class="meta">(1 started)</span></td>' in shown  # guides finished
    assert '50% <span class="meta">(2 of 4)</span>' in shown  # checklist readiness
    assert "<td>1</td>" in shown  # problems solved
    assert "Graphs" in shown  # weak-set
    assert shown.count("<td>2</td>") == 1  # mock rounds held (two rounds of one booking)

    # Withdrawn from the account page: hidden again.
    account = ada_client.get("/account/").content.decode()
    assert "Stop sharing my progress" in account
    back = ada_client.post("/teams/sharing/", {"next": "account"})
    assert back["Location"] == "/account/"
    assert "ada@example.com" not in progress_table(manager_client)


def test_a_member_who_leaves_shares_nothing_more(manager_client, team_of_one) -> None:
    ada, ada_client = team_of_one
    ada_client.post("/teams/sharing/", {"shares": "on"})
    ada_client.post("/teams/leave/")
    assert not Member.objects.filter(user=ada).exists()
    assert "ada@example.com" not in manager_client.get("/teams/").content.decode()


def test_the_managers_page_keeps_its_query_budget(
    manager_client, fake_stripe, buy, join, checklist_guide, django_assert_max_num_queries
) -> None:
    buy(manager_client, seats=5)
    addresses = [f"m{n}@example.com" for n in range(4)]
    manager_client.post("/teams/invite/", {"emails": ",".join(addresses)})
    for number, address in enumerate(addresses):
        if number == 1:
            manager_client.get("/teams/")  # shows (and clears) the invites' message first
            with django_assert_max_num_queries(BUDGET):
                manager_client.get("/teams/")
        user = UserFactory(email=address)
        client = join(user)
        studied(user, client, checklist_guide)
        client.post("/teams/sharing/", {"shares": "on"})
    # The same budget with four sharing members as with one: nothing is asked per member.
    with django_assert_max_num_queries(BUDGET):
        page = manager_client.get("/teams/")
    assert page.content.decode().count("@example.com</th>") >= 8  # members and progress rows


def test_the_shared_figures_are_those_of_the_members_own_pages(
    checklist_guide, django_assert_max_num_queries
) -> None:
    """The batched reads the manager's page uses agree with the per-member functions behind
    /progress/, /practice/, /diagnostic/ and /mocks/history/."""
    busy, idle = UserFactory(), UserFactory()
    busy_client = Client()
    busy_client.force_login(busy)
    ComplimentaryAccess.objects.create(user=busy, expires_at=timezone.now() + dt.timedelta(days=9))
    studied(busy, busy_client, checklist_guide)
    ids = [busy.pk, idle.pk]
    with django_assert_max_num_queries(8):
        totals, solved_n = progress_totals(ids), solved_counts(ids)
        weak, rounds = latest_weak_sets(ids), rounds_held_counts(ids)
    for user in (busy, idle):
        own = TrackProgress(None, [g for t in progress(user) for g in t.guides])
        batch = totals[user.pk]
        assert (batch.started, batch.finished, batch.ticked, batch.items) == (
            own.started,
            own.finished,
            own.ticked,
            own.items,
        )
        assert solved_n[user.pk] == len(solved_problem_ids(user))
        result = latest_result(user)
        assert weak.get(user.pk) == (result.weak if result else None)
        assert rounds[user.pk] == len(member_history(user))
    assert (totals[busy.pk].finished, solved_n[busy.pk], rounds[busy.pk]) == (1, 1, 2)
