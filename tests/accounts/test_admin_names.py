"""The admin home names each app's section once: ours (the users) and allauth's (email
addresses) are not both "Accounts"."""

from __future__ import annotations

import re
from http import HTTPStatus

import pytest


@pytest.mark.django_db
def test_the_admin_home_has_no_two_sections_of_one_name(admin_client) -> None:
    page = admin_client.get("/admin/")
    assert page.status_code == HTTPStatus.OK
    names = re.findall(
        r'<caption>\s*<a [^>]*class="section"[^>]*>([^<]+)</a>', page.content.decode()
    )
    assert "Users" in names
    assert "Accounts" in names
    assert len(names) == len(set(names))
