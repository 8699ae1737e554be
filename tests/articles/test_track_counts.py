"""The trigger-kept guide counts agree with counting the guides, whatever wrote them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.models import Count
from django.test import Client
from django.utils import timezone

from articles.models import Guide, Track
from reader.views import _published_counts

from ..factories import GuideFactory, TrackFactory


def counted() -> dict[int, int]:
    return dict(
        Guide.objects.published()
        .order_by()
        .values_list("track_id")
        .annotate(n=Count("*"))
        .values_list("track_id", "n")
    )


def kept() -> dict[int, int]:
    return {track: n for track, n in _published_counts().items() if n}


@pytest.mark.django_db
def test_kept_counts_follow_every_kind_of_write() -> None:
    assert connection.vendor == "postgresql"
    coding = TrackFactory()
    system = TrackFactory(slug="system-design", title="System Design")
    guides = GuideFactory.create_batch(4, track=coding)
    assert kept() == counted() == {coding.pk: 4}
    guides[0].status = Guide.Status.DRAFT  # unpublish through save()
    guides[0].save()
    guides[1].track = system  # move to another track
    guides[1].save()
    Guide.objects.filter(pk=guides[2].pk).update(  # scheduled for later, through update()
        published_at=timezone.now() + dt.timedelta(days=3)
    )
    Guide.objects.bulk_create(  # bulk inserts, as the benchmark seeds them
        [
            Guide(
                track=system,
                title=f"Bulk {n}",
                slug=f"bulk-{n}",
                dek="d",
                status="published",
                published_at=timezone.now() - dt.timedelta(hours=1),
            )
            for n in range(3)
        ]
    )
    Guide.objects.create(track=coding, title="No date", slug="no-date", dek="d", status="published")
    guides[3].delete()
    assert kept() == counted() == {system.pk: 4}
    Guide.objects.filter(track=coding).update(
        status=Guide.Status.PUBLISHED, published_at=timezone.now()
    )
    assert kept() == counted()


@pytest.mark.django_db
def test_the_menu_shows_the_kept_counts(client: Client) -> None:
    GuideFactory.create_batch(3)
    GuideFactory(published_at=timezone.now() + dt.timedelta(days=1))  # not yet
    page = client.get("/guides/").content.decode()
    coding = Track.objects.get(slug="coding")
    assert f'{coding.title} <span class="count">3</span>' in page
