"""Shared fixtures. The suite runs on the real Postgres and Redis of alphacode.settings_test."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.test import Client

from accounts.models import User
from articles.models import Guide
from articles.services import guide_files, guides_import

from .factories import UserFactory

ROOT = Path(__file__).resolve().parent.parent
CONTENT = ROOT / "content" / "guides"
SEED_SLUG = "fine-tuning-vs-prompting"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def seed_guide(db) -> Guide:
    guides_import(guide_files([CONTENT / f"{SEED_SLUG}.md"]))
    return Guide.objects.select_related("track").get(slug=SEED_SLUG)


@pytest.fixture
def reader(db) -> User:
    return UserFactory()


@pytest.fixture
def staff(db) -> User:
    return UserFactory(is_staff=True, is_superuser=True, email="ops@example.com")


@pytest.fixture
def editor(db) -> User:
    user = UserFactory(is_staff=True, email="editor@example.com")
    user.groups.add(Group.objects.get(name="Editors"))
    return user


@pytest.fixture
def staff_client(staff: User) -> Client:
    client = Client()
    client.force_login(staff)
    return client


@pytest.fixture
def editor_client(editor: User) -> Client:
    client = Client()
    client.force_login(editor)
    return client


WEBHOOK_SECRET = "whsec_test_secret"


@pytest.fixture
def fake_stripe(settings):
    """A fake Stripe API on a local port, with the site's Stripe settings pointed at it."""
    from .fake_stripe import FakeStripe, serve

    fake = FakeStripe()
    server = serve(fake)
    price = fake.add_price()
    settings.STRIPE_SECRET_KEY = "sk_test_fake"
    settings.STRIPE_API_BASE = fake.base_url
    settings.STRIPE_PRICE_ID = price["id"]
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    yield fake
    server.shutdown()
    server.server_close()


@pytest.fixture
def post_event(client: Client, django_capture_on_commit_callbacks):
    """Deliver a signed webhook event to the endpoint, as Stripe would. The test's transaction
    never commits, so the after-commit queueing is run as a real commit would run it."""
    from .fake_stripe import signed

    def deliver(payload: dict, *, secret: str = WEBHOOK_SECRET, timestamp: int | None = None):
        body, header = signed(payload, secret, timestamp=timestamp)
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(
                "/billing/webhook/",
                body,
                content_type="application/json",
                HTTP_STRIPE_SIGNATURE=header,
            )

    return deliver
