"""The sixth track, Career & Compensation: made by a migration on an installation that had
five, with a demo guide readers find on its page."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client

from articles.models import Track
from articles.services import guide_files, guides_import

ROOT = Path(__file__).resolve().parent.parent.parent
BEFORE = [("articles", "0007_block_kinds_from_the_registry")]


def migrate(targets: list[tuple[str, str]]) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return MigrationExecutor(connection)


@pytest.mark.django_db(transaction=True)
def test_an_installation_made_with_five_tracks_gets_the_sixth_and_keeps_editors_changes() -> None:
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    try:
        migrate(BEFORE)  # which takes the sixth track away, as it was before it
        Track.objects.filter(slug="coding").update(title="Coding (renamed by an editor)")
        migrate(latest)
        career = Track.objects.get(slug="career")
        assert career.title == "Career & Compensation"
        assert list(Track.objects.values_list("slug", flat=True))[-1] == "career"
        assert Track.objects.get(slug="coding").title == "Coding (renamed by an editor)"
        # A career track there already (a fresh installation's, from 0002) is left as it is.
        migrate(BEFORE)
        Track.objects.create(slug="career", title="Careers", position=5)
        migrate(latest)
        assert Track.objects.get(slug="career").title == "Careers"
    finally:
        migrate(latest)


@pytest.mark.django_db
def test_the_career_tracks_demo_guide_is_on_its_page_and_free_to_read(client: Client) -> None:
    (guide,) = guides_import(guide_files([ROOT / "content/guides/negotiating-the-offer.md"]))
    track_page = client.get("/tracks/career/").content.decode()
    assert "Career &amp; Compensation" in track_page
    assert guide.title in track_page
    page = client.get(guide.get_absolute_url()).content.decode()
    assert 'id="paywall"' not in page
    assert "If you can get to that number, I&#x27;m ready to sign this week." in page
    assert "Career &amp; Compensation" in client.get("/").content.decode()
