"""Two managers' tabs inviting into the last free seat at once: the team's row lock makes the
second wait for the first, and then refuses it; one seat is never handed out twice."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

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
