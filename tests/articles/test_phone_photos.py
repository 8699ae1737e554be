"""A phone's multi-picture JPEG (Pillow calls it MPO: the photo, then a depth map or a second
view) is a JPEG: uploaded in the editor or imported from a folder or a zip, its first frame
becomes the renditions, and nothing is a server error."""

from __future__ import annotations

import io
import zipfile
from http import HTTPStatus
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.test import Client
from PIL import Image

from articles.models import Guide, GuideImage
from articles.services import guide_files, guides_import

from ..conftest import signed_in
from ..factories import SubscriptionFactory
from ..helpers import RICH, VALID, png

PHOTO_BLUE = (51, 102, 153)


def mpo(width: int = 1600, height: int = 1200) -> bytes:
    """A multi-picture JPEG as a phone writes one: a blue photo, then a red second frame."""
    photo = Image.new("RGB", (width, height), PHOTO_BLUE)
    second = Image.new("RGB", (width, height), (153, 51, 102))
    out = io.BytesIO()
    photo.save(out, "MPO", save_all=True, append_images=[second])
    data = out.getvalue()
    with Image.open(io.BytesIO(data)) as opened:
        assert (opened.format, getattr(opened, "n_frames", 1)) == ("MPO", 2)
    return data


def assert_rendered_from_the_photo(image: GuideImage) -> None:
    assert image.original.name.endswith(".jpg")
    assert (image.width, image.height) == (720, 540)
    for field, size in ((image.webp, (720, 540)), (image.webp_2x, (1440, 1080))):
        with default_storage.open(field.name, "rb") as handle, Image.open(handle) as rendition:
            assert (rendition.format, rendition.size) == ("WEBP", size)
            pixel = rendition.convert("RGB").getpixel((10, 10))
            # The first frame (blue), not the second (red); WebP is lossy, so roughly.
            assert all(abs(got - want) < 12 for got, want in zip(pixel, PHOTO_BLUE, strict=True))


@pytest.mark.django_db
def test_a_phone_photo_uploaded_in_the_editor_is_accepted_as_a_jpeg(
    editor_client: Client,
) -> None:
    (guide,) = guides_import([("heaps.md", VALID)])
    url = f"/admin/articles/guide/{guide.pk}/markdown/"
    page = editor_client.get(url)
    text, base = page.context["text"], str(page.context["base"])
    photo = io.BytesIO(mpo())
    photo.name = "whiteboard.jpg"
    response = editor_client.post(
        url, {"markdown": text, "base": base, "upload": "1", "image": photo, "alt": "whiteboard"}
    )
    assert response.status_code == HTTPStatus.OK
    assert response.context["errors"] == []
    inserted = response.context["text"]
    assert inserted.endswith("\n\n![whiteboard](images/whiteboard.jpg)\n")
    assert_rendered_from_the_photo(GuideImage.objects.get(guide=guide))
    saved = editor_client.post(url, {"markdown": inserted, "base": base})
    assert saved.status_code == HTTPStatus.FOUND
    image = GuideImage.objects.get(guide=guide)
    reader = signed_in(SubscriptionFactory().user)
    assert f'src="{image.url("1x.webp")}"' in reader.get(guide.get_absolute_url()).content.decode()
    response = reader.get(image.url("1x.webp"))
    assert (response.status_code, response["Content-Type"]) == (HTTPStatus.OK, "image/webp")


@pytest.mark.django_db
def test_a_phone_photo_imports_from_a_folder(tmp_path: Path) -> None:
    (tmp_path / "images").mkdir()
    (tmp_path / "images" / "window.jpg").write_bytes(mpo())
    (tmp_path / "images" / "premium.png").write_bytes(png(300, 200))
    (tmp_path / "rich.md").write_text(RICH.replace("images/window.png", "images/window.jpg"))
    (guide,) = guides_import(guide_files([tmp_path]))
    assert_rendered_from_the_photo(GuideImage.objects.get(guide=guide, name="window.jpg"))


@pytest.mark.django_db
def test_a_phone_photo_imports_from_a_zip_uploaded_in_the_admin(editor_client: Client) -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("rich.md", RICH.replace("images/window.png", "images/window.jpg"))
        archive.writestr("images/window.jpg", mpo())
        archive.writestr("images/premium.png", png(300, 200))
    out.seek(0)
    out.name = "photos.zip"
    response = editor_client.post("/admin/articles/guide/import/", {"files": [out]})
    assert response.status_code == HTTPStatus.FOUND
    guide = Guide.objects.get(slug="sliding-windows-in-code")
    assert_rendered_from_the_photo(GuideImage.objects.get(guide=guide, name="window.jpg"))
