"""axe-core in a real browser: no serious or critical violations on the teams pages, for the
manager (seats, invites, members, shared progress), a member and an invitee."""

from __future__ import annotations

import pytest

from teams.models import Invite, Member, Team
from teams.services import invite_link_token

from ..browser.conftest import axe_violations, sign_in
from ..factories import UserFactory, subscribe

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_teams_pages(site, new_page, scheme) -> None:
    manager = UserFactory(email="boss@example.com")
    team = Team.objects.create(
        name="Platform",
        manager=manager,
        subscription=subscribe(manager, purpose="team", quantity=4, interval="month"),
    )
    ada = UserFactory(email="ada@example.com")
    Member.objects.create(team=team, user=ada, shares_progress=True)
    Member.objects.create(team=team, user=UserFactory(email="bob@example.com"), seated=False)
    invite = Invite.objects.create(team=team, email="carol@example.com")
    join = f"/teams/join/{invite_link_token(invite)}/"
    found = {}
    for user, paths in ((manager, ["/teams/", "/account/"]), (ada, ["/teams/", join])):
        page = new_page(color_scheme=scheme)
        sign_in(page, user, site)
        for path in paths:
            page.goto(site + path)
            found[f"{user.email} {path}"] = axe_violations(page)
    visitor = new_page(color_scheme=scheme)
    visitor.goto(site + join)
    found[f"visitor {join}"] = axe_violations(visitor)
    problems = {path: v for path, v in found.items() if v}
    assert not problems, "\n".join(f"{p}: {v}" for p, v in problems.items())
