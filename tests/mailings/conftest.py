"""What the members' email tests share: members with confirmed addresses, a premium guide and
the readers of every kind."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from allauth.account.models import EmailAddress

from accounts.models import User
from articles.models import Guide
from mailings.models import Campaign

from ..factories import SubscriptionFactory, UserFactory, make_guide
from ..helpers import PREVIEW_MARK, SENTINEL


def member(email: str, *, confirmed: bool = True, subscriber: bool = False) -> User:
    user = SubscriptionFactory(user__email=email).user if subscriber else UserFactory(email=email)
    EmailAddress.objects.create(user=user, email=email, verified=confirmed, primary=True)
    return user


@pytest.fixture
def premium(db):
    return make_guide(
        slug="heaps-announced",
        access="premium",
        intro="Heaps, from the top. The intro everyone sees.",
        sections=[[("paragraph", f"{PREVIEW_MARK} opens it.")], [("paragraph", f"{SENTINEL}.")]],
    )


@pytest.fixture
def readers(db) -> dict[str, User]:
    return {
        "subscriber": member("sub@example.com", subscriber=True),
        "member": member("member@example.com"),
        "unconfirmed": member("new@example.com", confirmed=False),
        "opted out": member("quiet@example.com"),
    }


def announce(guide: Guide, to: str, capture: Callable[..., Any]) -> tuple[Campaign, int]:
    from mailings.services import guide_announce

    with capture(execute=True):
        return guide_announce(guide=guide, to=to)


@pytest.fixture(autouse=True)
def _fresh_announcements() -> Iterator[None]:
    """Each test builds its announcements anew (they are kept per campaign and guide version,
    and a database rolled back between tests can hand out the same ids again)."""
    from mailings.sending import _announcement

    _announcement.cache_clear()
    yield
    _announcement.cache_clear()
