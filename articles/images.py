"""A guide's images: checked and turned into WebP renditions with Pillow, then stored through
Django's storage API under names made from their content (so storing the same file twice writes
nothing new, and a half-finished import leaves no file that a later one would not reuse)."""

from __future__ import annotations

import hashlib
import io
import logging
import posixpath
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils.text import slugify
from PIL import Image, ImageOps, UnidentifiedImageError

from .models import Guide, GuideImage

logger = logging.getLogger(__name__)

# The article column is 44rem wide at most: a 1x rendition of 720 CSS pixels fills it, and the 2x
# rendition serves screens with two device pixels to one CSS pixel.
COLUMN_WIDTH = 720
MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000
FORMATS = {"PNG": "png", "JPEG": "jpg", "WEBP": "webp"}
# A phone's multi-picture JPEG (the photo, then a depth map or a second view) is read by Pillow's
# JPEG reader as format "MPO"; it is a JPEG, and its first frame is the photo. (There is no "MPO"
# reader to name in `formats`: Pillow raises KeyError for it.)
KINDS = {**FORMATS, "MPO": "jpg"}
WEBP_QUALITY = 82


class ImageError(ValueError):
    """A file that cannot be a guide's image, with the reason an editor can act on."""


@dataclass(frozen=True)
class PreparedImage:
    """An image checked and rendered, not yet stored."""

    name: str
    digest: str
    extension: str
    original: bytes
    webp: bytes
    webp_2x: bytes
    width: int
    height: int


def image_name(src: str) -> str:
    """The name a guide knows an image by: the file name of its path in the Markdown, in
    lowercase letters, digits and hyphens (a name any Markdown path and any storage accept)."""
    stem, dot, extension = posixpath.basename(src).rpartition(".")
    if not dot:
        stem, extension = extension, ""
    name = (slugify(stem) or "image")[:80]
    return f"{name}.{slugify(extension)[:8]}" if extension else name


def _webp(image: Image.Image, width: int) -> bytes:
    if image.width > width:
        image = image.resize((width, max(1, round(image.height * width / image.width))))
    out = io.BytesIO()
    image.save(out, "WEBP", quality=WEBP_QUALITY, method=4)
    return out.getvalue()


def prepare_image(src: str, data: bytes) -> PreparedImage:
    """Check the file (PNG, JPEG or WebP, a multi-picture JPEG included; at most 10 MB and 40
    megapixels) and make its 1x and 2x WebP renditions. The size recorded is the 1x rendition's,
    in CSS pixels."""
    if len(data) > MAX_BYTES:
        raise ImageError(f"'{src}' is larger than {MAX_BYTES // (1024 * 1024)} MB")
    try:
        with Image.open(io.BytesIO(data), formats=list(FORMATS)) as probe:
            kind = probe.format or ""
            pixels = probe.width * probe.height
            probe.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ImageError(f"'{src}' is not a PNG, JPEG or WebP image Pillow can read") from None
    if pixels > MAX_PIXELS:
        raise ImageError(f"'{src}' has more than {MAX_PIXELS // 1_000_000} megapixels")
    if kind not in KINDS:
        raise ImageError(f"'{src}' is not a PNG, JPEG or WebP image Pillow can read")
    try:
        with Image.open(io.BytesIO(data), formats=list(FORMATS)) as opened:
            opened.seek(0)  # the first frame of a multi-picture JPEG: the photo
            image = ImageOps.exif_transpose(opened)
            alpha = "A" in image.getbands() or "transparency" in image.info
            image = image.convert("RGBA" if alpha else "RGB")
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ImageError(f"'{src}' is not a PNG, JPEG or WebP image Pillow can read") from None
    width = min(image.width, COLUMN_WIDTH)
    return PreparedImage(
        name=image_name(src),
        digest=hashlib.sha256(data).hexdigest(),
        extension=KINDS[kind],
        original=data,
        webp=_webp(image, width),
        webp_2x=_webp(image, min(image.width, 2 * COLUMN_WIDTH)),
        width=width,
        height=max(1, round(image.height * width / image.width)),
    )


def _store(path: str, data: bytes) -> str:
    """Save under this name unless a file is there already (the name is the content's)."""
    if default_storage.exists(path):
        return path
    return default_storage.save(path, ContentFile(data))


def image_store(*, guide: Guide, prepared: PreparedImage) -> tuple[GuideImage, bool]:
    """The guide's image of this name, created or replaced by this file, and whether it changed
    (nothing is written when the stored file is the same)."""
    image = GuideImage.objects.filter(guide=guide, name=prepared.name).first()
    if image is not None and image.digest == prepared.digest and _files_present(image):
        return image, False
    image = image or GuideImage(guide=guide, name=prepared.name)
    stem = f"guides/{guide.pk}/{prepared.digest[:32]}"
    image.digest = prepared.digest
    image.original.name = _store(f"{stem}.{prepared.extension}", prepared.original)
    image.webp.name = _store(f"{stem}-1x.webp", prepared.webp)
    image.webp_2x.name = _store(f"{stem}-2x.webp", prepared.webp_2x)
    image.width, image.height = prepared.width, prepared.height
    image.save()
    return image, True


def _files_present(image: GuideImage) -> bool:
    return all(
        field.name and default_storage.exists(field.name)
        for field in (image.original, image.webp, image.webp_2x)
    )


def image_bytes(image: GuideImage, variant: str) -> tuple[bytes, str] | None:
    """A stored file of the image and its content type: `1x.webp`, `2x.webp` (renditions,
    which carry no metadata) or `original` (as uploaded, EXIF included: staff only)."""
    field = {"1x.webp": image.webp, "2x.webp": image.webp_2x, "original": image.original}.get(
        variant
    )
    if field is None or not field.name:
        return None
    extension = field.name.rsplit(".", 1)[-1]
    content_type = {"webp": "image/webp", "png": "image/png", "jpg": "image/jpeg"}[extension]
    try:
        with default_storage.open(field.name, "rb") as handle:
            return handle.read(), content_type
    except FileNotFoundError:
        # The row outlived its file (storage restored from an older backup, a moved
        # MEDIA_ROOT): a missing image, not a server error; re-importing the guide restores it.
        logger.warning("image %s: %s is missing from storage", image.pk, field.name)
        return None


def image_is_public(image: GuideImage) -> bool:
    """Whether the image is shown where everyone may read: in a published guide, in a section
    before its cut (a free guide has none)."""
    guide = image.guide
    if not guide.is_public:
        return False
    cut = guide.cut
    if cut is None:
        return image.blocks.exists()
    free = list(guide.sections.order_by("position", "id").values_list("pk", flat=True)[:cut])
    return image.blocks.filter(section_id__in=free).exists()
