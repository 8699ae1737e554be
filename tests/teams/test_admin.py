"""Operators' admin for teams: a team with its members and invites, read; nothing added there."""

from __future__ import annotations

from http import HTTPStatus

import pytest

from teams.models import Invite, Member, Team

from ..conftest import signed_in
from ..factories import UserFactory, subscribe

pytestmark = pytest.mark.django_db


def test_staff_see_a_team_with_its_members_and_invites(staff) -> None:
    manager = UserFactory(email="boss@example.com")
    team = Team.objects.create(
        name="Platform", manager=manager, subscription=subscribe(manager, purpose="team")
    )
    Member.objects.create(team=team, user=UserFactory(email="ada@example.com"))
    Invite.objects.create(team=team, email="carol@example.com")
    client = signed_in(staff)
    listing = client.get("/admin/teams/team/?q=boss")
    assert listing.status_code == HTTPStatus.OK
    assert "Platform" in listing.content.decode()
    page = client.get(f"/admin/teams/team/{team.pk}/change/").content.decode()
    assert "ada@example.com" in page
    assert "carol@example.com" in page
    for path in ("/admin/teams/member/", "/admin/teams/invite/?state=pending"):
        assert client.get(path).status_code == HTTPStatus.OK
    assert client.get("/admin/teams/team/add/").status_code == HTTPStatus.FORBIDDEN
