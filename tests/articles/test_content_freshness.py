"""A change to content made anywhere (a shell, a command, a migration's data step, the admin)
shows at once on cached pages: invalidation lives with the write, not with the admin."""

from __future__ import annotations

import pytest
from django.test import Client

from articles.models import Guide

from ..factories import make_guide


@pytest.mark.django_db
def test_a_track_renamed_from_a_shell_shows_at_once_on_cached_pages(
    client: Client, django_capture_on_commit_callbacks
) -> None:
    guide = make_guide(title="Heaps in practice")
    assert "Coding Interviews" in client.get("/").content.decode()  # now cached
    track = guide.track
    with django_capture_on_commit_callbacks(execute=True):
        track.title = "Algorithms Interviews"
        track.save()
    page = client.get("/").content.decode()
    assert "Algorithms Interviews" in page
    assert "Coding Interviews" not in page


@pytest.mark.django_db
def test_a_guide_deleted_from_a_shell_leaves_the_cached_home_page_at_once(
    client: Client, django_capture_on_commit_callbacks
) -> None:
    make_guide(title="Heaps in practice")
    assert "Heaps in practice" in client.get("/").content.decode()  # now cached
    with django_capture_on_commit_callbacks(execute=True):
        Guide.objects.filter(title="Heaps in practice").delete()
    assert "Heaps in practice" not in client.get("/").content.decode()


@pytest.mark.django_db
def test_guides_unpublished_through_the_service_leave_the_cached_home_page_at_once(
    client: Client, django_capture_on_commit_callbacks
) -> None:
    from articles.services import guides_unpublish

    make_guide(title="Heaps in practice")
    assert "Heaps in practice" in client.get("/").content.decode()  # now cached
    with django_capture_on_commit_callbacks(execute=True):
        assert guides_unpublish(Guide.objects.filter(title="Heaps in practice")) == 1
    assert "Heaps in practice" not in client.get("/").content.decode()
