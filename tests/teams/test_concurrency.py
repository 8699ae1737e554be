"""Two managers' tabs inviting into the last free seat at once: the team's row lock makes the
second wait for the first, and then refuses it; one seat is never handed out twice. Two tabs
buying seats at once share the team's one Stripe customer and its one Checkout."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from billing.plans import MONTHLY
from teams import services
from teams.models import Invite, Team

from ..conftest import held_after_query
from ..factories import UserFactory, subscribe

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_last_free_seat_goes_to_one_invite_only() -> None:
    manager = UserFactory(email="boss@example.com")
    team = Team.objects.create(
        name="Platform",
        manager=manager,
        subscription=subscribe(manager, purpose="team", quantity=2),
    )
    Invite.objects.create(team=team, email="first@example.com")
    second: dict[str, object] = {}

    def other_tab() -> None:
        try:
            services.invites_send(team=team, emails=["bob@example.com"])
            second["result"] = "sent"
        except services.TeamRefused as refused:
            second["result"] = str(refused)
        finally:
            connection.close()

    # The first tab has locked the team and counted the seats, and is held there.
    first = lambda: services.invites_send(team=team, emails=["ada@example.com"])  # noqa: E731
    with held_after_query(first, 'FROM "teams_invite"') as outcome:
        tab = threading.Thread(target=other_tab)
        tab.start()
        tab.join(timeout=1)
        assert tab.is_alive(), "the second tab did not wait for the team's lock"
    tab.join(timeout=30)
    assert outcome["result"] == (1, 0)
    assert second["result"].startswith("You have 0 free seats and asked for 1")
    assert sorted(Invite.objects.values_list("email", flat=True)) == [
        "ada@example.com",
        "first@example.com",
    ]


def test_two_tabs_buying_seats_at_once_share_one_team_customer(fake_stripe) -> None:
    manager = UserFactory(email="boss@example.com")
    Team.objects.create(name="Platform", manager=manager)
    # Stripe is slow to make the team's customer: the other tab arrives meanwhile.
    fake_stripe.delays["/v1/customers"] = 0.5
    urls: list[str] = []

    def tab(token: str) -> None:
        try:
            urls.append(
                services.team_checkout(
                    manager=manager,
                    name="Platform",
                    seats=3,
                    plan=MONTHLY,
                    token=token,
                    success_url="http://testserver/teams/",
                    cancel_url="http://testserver/teams/",
                )
            )
        finally:
            connection.close()

    tabs = [threading.Thread(target=tab, args=(token * 32,)) for token in ("a", "b")]
    for thread in tabs:
        thread.start()
    for thread in tabs:
        thread.join(timeout=30)
    assert len(urls) == 2
    # The second tab waited for the first one's Checkout, and was sent to it: one to pay.
    assert len(set(urls)) == 1
    assert len(fake_stripe.sessions) == 1
    team = Team.objects.get()
    assert team.stripe_customer_id
    assert {s["customer"] for s in fake_stripe.sessions.values()} == {team.stripe_customer_id}
    assert list(fake_stripe.customers) == [team.stripe_customer_id]
