"""axe-core in a real browser: no serious or critical violations on the pages readers use."""

from __future__ import annotations

import pytest

from billing.models import Subscription

from .conftest import axe_violations

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

PUBLIC = [
    "/",
    "/guides/",
    "/tracks/ml-ai-engineering/",
    "/pricing/",
    "/accounts/signup/",
    "/accounts/login/",
    "/search/?q=latency",
    "/accounts/password/reset/",
]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_public_pages_and_the_guide_preview(site, new_page, seed_guide, scheme) -> None:
    page = new_page(color_scheme=scheme)
    found = {}
    for path in [*PUBLIC, seed_guide.get_absolute_url()]:
        page.goto(site + path)
        found[path] = axe_violations(page)
    problems = {path: v for path, v in found.items() if v}
    assert not problems, "\n".join(f"{p}: {v}" for p, v in problems.items())


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_subscriber_pages_and_the_full_guide(site, new_page, seed_guide, reader, scheme) -> None:
    Subscription.objects.create(
        user=reader, stripe_subscription_id="sub_axe", stripe_customer_id="cus_axe", status="active"
    )
    page = new_page(color_scheme=scheme)
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session[SESSION_KEY] = str(reader.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = reader.get_session_auth_hash()
    session.save()
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session.session_key, "url": site}]
    )
    found = {}
    for path in [
        seed_guide.get_absolute_url(),
        "/account/",
        "/pricing/",
        "/accounts/password/change/",
        "/accounts/email/",
    ]:
        page.goto(site + path)
        found[path] = axe_violations(page)
    problems = {path: v for path, v in found.items() if v}
    assert not problems, "\n".join(f"{p}: {v}" for p, v in problems.items())
