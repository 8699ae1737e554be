"""A public image is cached for a year, by browsers and by shared caches (a CDN, a proxy); so its
address says whether it is public, and a guide made premium or given a shorter preview names
its now-private images at other addresses. The old address then answers no image at all: it
sends a reader on to the current one, uncached, and there a visitor is refused."""

from __future__ import annotations

import datetime as dt
import re
from http import HTTPStatus
from pathlib import Path

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from articles.models import Guide, GuideImage
from articles.services import guide_files, guides_import

from ..conftest import signed_in
from ..factories import SubscriptionFactory
from ..helpers import RICH, rich_folder_in

PUBLIC = "public, max-age=31536000, immutable"
FREE_ALT = "A window sliding over an array"  # in the first section
LATER_ALT = "zqxpremiumalt diagram"  # in the second


def image_src(client: Client, guide: Guide, alt: str) -> str | None:
    """The address the guide's page names for the image with this alt text (None: not shown)."""
    page = client.get(guide.get_absolute_url()).content.decode()
    match = re.search(rf'<img src="([^"]+)"[^>]*alt="{re.escape(alt)}"', page)
    return match.group(1) if match else None


def assert_public(client: Client, url: str) -> None:
    response = client.get(url)
    assert response.status_code == HTTPStatus.OK
    assert response["Cache-Control"] == PUBLIC


def assert_moved_and_refused(visitor: Client, old: str, new: str) -> None:
    """The old address is no image with a public cache header any more: it is sent on (and the
    redirect is not stored) to the current address, which a visitor is refused."""
    moved = visitor.get(old)
    assert moved.status_code == HTTPStatus.FOUND
    assert moved["Location"] == new
    assert moved["Cache-Control"] == "no-store"
    refused = visitor.get(old, follow=True)
    assert refused.status_code == HTTPStatus.FORBIDDEN
    assert "public" not in refused.get("Cache-Control", "")


@pytest.mark.django_db
def test_a_public_images_address_changes_when_its_guide_is_made_premium(
    tmp_path: Path, django_capture_on_commit_callbacks
) -> None:
    folder = rich_folder_in(tmp_path)
    (folder / "rich.md").write_text(RICH.replace("access: premium", "access: free"))
    with django_capture_on_commit_callbacks(execute=True):
        (guide,) = guides_import(guide_files([folder]))
    visitor, subscriber = Client(), signed_in(SubscriptionFactory().user)
    old, first = image_src(visitor, guide, LATER_ALT), image_src(visitor, guide, FREE_ALT)
    assert old is not None
    assert first is not None
    assert_public(visitor, old)
    assert_public(visitor, first)

    (folder / "rich.md").write_text(RICH)  # premium, the image past the cut
    with django_capture_on_commit_callbacks(execute=True):
        guides_import(guide_files([folder]))
    new = image_src(subscriber, guide, LATER_ALT)
    assert new is not None
    assert new != old
    assert image_src(visitor, guide, LATER_ALT) is None
    response = subscriber.get(new)
    assert response.status_code == HTTPStatus.OK
    assert response["Cache-Control"] == "private, max-age=600"
    assert_moved_and_refused(visitor, old, new)
    # A subscriber whose page still names the old address gets the image through the new one.
    assert subscriber.get(old, follow=True).status_code == HTTPStatus.OK
    # The image before the cut is as public as it was: same address, still cached for a year.
    assert image_src(visitor, guide, FREE_ALT) == first
    assert_public(visitor, first)

    # Free again: the public address is the page's again.
    (folder / "rich.md").write_text(RICH.replace("access: premium", "access: free"))
    with django_capture_on_commit_callbacks(execute=True):
        guides_import(guide_files([folder]))
    assert image_src(visitor, guide, LATER_ALT) == old
    assert_public(visitor, old)


@pytest.mark.django_db
def test_a_public_images_address_changes_when_the_preview_is_shortened_in_the_editor(
    tmp_path: Path, editor_client: Client, django_capture_on_commit_callbacks
) -> None:
    folder = rich_folder_in(tmp_path)
    (folder / "rich.md").write_text(RICH.replace("preview_sections: 1", "preview_sections: 2"))
    with django_capture_on_commit_callbacks(execute=True):
        (guide,) = guides_import(guide_files([folder]))
    visitor, subscriber = Client(), signed_in(SubscriptionFactory().user)
    old = image_src(visitor, guide, LATER_ALT)
    assert old is not None
    assert_public(visitor, old)

    url = f"/admin/articles/guide/{guide.pk}/markdown/"
    opened = editor_client.get(url)
    text = opened.context["text"]
    assert "preview_sections: 2\n" in text
    with django_capture_on_commit_callbacks(execute=True):
        saved = editor_client.post(
            url,
            {
                "markdown": text.replace("preview_sections: 2\n", "preview_sections: 1\n"),
                "base": str(opened.context["base"]),
            },
        )
    assert saved.status_code == HTTPStatus.FOUND
    assert image_src(visitor, guide, LATER_ALT) is None
    new = image_src(subscriber, guide, LATER_ALT)
    assert new is not None
    assert new != old
    assert subscriber.get(new).status_code == HTTPStatus.OK
    assert_moved_and_refused(visitor, old, new)


@pytest.mark.django_db
def test_a_scheduled_guide_names_public_addresses_once_it_is_out(
    tmp_path: Path, staff_client: Client
) -> None:
    # Going out at its time saves nothing: the rendering cached by a staff preview before then
    # (its images not public yet) must not be what readers get after.
    folder = rich_folder_in(tmp_path)
    later = timezone.now() + dt.timedelta(days=1)
    (folder / "rich.md").write_text(
        RICH.replace("2026-10-01T09:00:00Z", later.strftime("%Y-%m-%dT%H:%M:%SZ"))
    )
    (guide,) = guides_import(guide_files([folder]))
    assert guide.is_scheduled
    # What a visitor will see, cached by the preview.
    preview = staff_client.get(f"{guide.get_absolute_url()}preview/?as=visitor").content.decode()
    private = GuideImage.objects.get(name="window.png").url("1x.webp")
    assert private in preview
    with time_machine.travel(later + dt.timedelta(minutes=1), tick=False):
        visitor = Client()
        src = image_src(visitor, guide, FREE_ALT)
        assert src is not None
        assert src != private
        assert_public(visitor, src)


@pytest.mark.django_db
def test_an_address_from_before_addresses_said_the_access_leads_to_the_current_one(
    tmp_path: Path,
) -> None:
    (guide,) = guides_import(guide_files([rich_folder_in(tmp_path)]))
    image = GuideImage.objects.get(name="window.png")
    current = image.url("1x.webp")
    assert current == f"/images/{image.pk}/{image.digest[:16]}/p/1x.webp"
    moved = Client().get(f"/images/{image.pk}/{image.digest[:16]}/1x.webp")
    assert moved.status_code == HTTPStatus.FOUND
    assert moved["Location"] == current
    assert moved["Cache-Control"] == "no-store"
    # A made-up access, like a made-up digest, finds nothing.
    assert Client().get(current.replace("/p/", "/x/")).status_code == HTTPStatus.NOT_FOUND
    assert Client().get(current.replace(image.digest[:16], "0" * 16)).status_code == 404
    assert guide.is_public
