"""axe-core in a real browser: no serious or critical violations on the pages readers use."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from articles.models import Track
from study.models import Plan

from ..factories import SubscriptionFactory
from .conftest import axe_violations, sign_in

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
    SubscriptionFactory(user=reader)
    Plan.objects.create(
        user=reader, interview_date=timezone.localdate() + dt.timedelta(days=10)
    ).tracks.set(Track.objects.all())
    page = new_page(color_scheme=scheme)
    sign_in(page, reader, site)
    found = {}
    for path in [
        seed_guide.get_absolute_url(),
        "/account/",
        "/pricing/",
        "/accounts/password/change/",
        "/accounts/email/",
        "/progress/",
        "/drills/",
        "/plan/",
    ]:
        page.goto(site + path)
        if path == "/drills/":
            page.get_by_text("Show answer").click()  # the answer and the grade buttons too
        found[path] = axe_violations(page)
    problems = {path: v for path, v in found.items() if v}
    assert not problems, "\n".join(f"{p}: {v}" for p, v in problems.items())
