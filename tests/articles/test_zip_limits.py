"""A zip of guides is read without trusting it: a member inflating far past what its header says
is stopped at the budget (the import's peak memory, measured in its own process, stays far below
what the zip would inflate to), and an encrypted member, another compression method or an upload
over the cap is refused by name, never a server error."""

from __future__ import annotations

import io
import os
import struct
import zipfile
from http import HTTPStatus
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from articles.archives import ArchiveError, zip_contents
from articles.models import Guide, GuideImage
from articles.services import GuideImportError, zip_sources

from ..conftest import database_url, run_python
from ..helpers import RICH, VALID, png

IMPORT_URL = "/admin/articles/guide/import/"
BOMB_MB = 800

# Where each field is in a member's local header and in its central directory entry.
HEADER_FIELDS = {
    "flag_bits": (6, 8, "<H"),
    "compress_type": (8, 10, "<H"),
    "file_size": (22, 24, "<I"),
}


def patched(data: bytes, member: str, **fields: int) -> bytes:
    """The zip with these fields of one member's headers changed, in the local header and in the
    central directory alike: what a zip made by hand may say about itself."""
    out = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        local = archive.getinfo(member).header_offset
        central = archive.start_dir
    while out[central + 46 : central + 46 + len(member.encode())] != member.encode():
        name, extra, comment = struct.unpack_from("<HHH", out, central + 28)
        central += 46 + name + extra + comment
    for field, value in fields.items():
        in_local, in_central, kind = HEADER_FIELDS[field]
        struct.pack_into(kind, out, local + in_local, value)
        struct.pack_into(kind, out, central + in_central, value)
    return bytes(out)


def guide_zip_bytes(compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    """RICH with its two images, zipped with this method."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as archive:
        archive.writestr("rich.md", RICH)
        archive.writestr("images/window.png", png(1600, 800))
        archive.writestr("images/premium.png", png(300, 200, "#cc3366"))
    return out.getvalue()


@pytest.fixture(scope="module")
def bomb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A zip of under a megabyte whose image inflates to 800 MB of zeros, while its headers say
    it is 1,000 bytes (the declared sizes pass any check made on them)."""
    path = tmp_path_factory.mktemp("bomb") / "bomb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("rich.md", RICH.replace("images/premium.png", "images/window.png"))
        with archive.open("images/window.png", "w") as member:
            chunk = bytes(2**20)
            for _ in range(BOMB_MB):
                member.write(chunk)
    path.write_bytes(patched(path.read_bytes(), "images/window.png", file_size=1000))
    assert path.stat().st_size < 2**20
    return path


# The real command, then the process's own peak memory (VmHWM: the high-water mark of its own
# memory since exec; ru_maxrss would include the test process's size, inherited through exec).
IMPORT_AND_PEAK = """
import sys
from django.core.management import execute_from_command_line
try:
    execute_from_command_line(["manage.py", "import_guides", sys.argv[1]])
finally:
    with open("/proc/self/status") as status:
        peak = next(line for line in status if line.startswith("VmHWM:"))
    print(int(peak.split()[1]) // 1024)
"""


@pytest.mark.django_db(transaction=True)
def test_a_zip_whose_header_lies_about_its_size_is_refused_without_inflating_it(
    bomb: Path,
) -> None:
    # In a process of its own, so its peak memory is the import's alone.
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "alphacode.settings_test",
        "DATABASE_URL": database_url(),
    }
    done = run_python("-c", IMPORT_AND_PEAK, str(bomb), env=env, timeout=300)
    error = done.stderr
    assert done.returncode == 1, error
    peak_mb = int(done.stdout.split()[-1])
    assert peak_mb < 300, f"the import peaked at {peak_mb} MB"
    assert f"{bomb}/images/window.png: damaged, or not what its header says" in error
    assert not Guide.objects.exists()


def test_a_member_is_read_only_up_to_its_limit_whatever_it_inflates_to() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("rich.md", RICH)
        archive.writestr("images/huge.png", bytes(5000))
    with pytest.raises(ArchiveError, match=r"^big\.zip/images/huge\.png: larger than"):
        zip_contents("big.zip", out.getvalue(), max_member=4000)
    # Together the members may not pass the zip's budget.
    with pytest.raises(ArchiveError, match=r"^big\.zip: the zip holds too much"):
        zip_contents("big.zip", out.getvalue(), max_bytes=5000)
    assert set(zip_contents("big.zip", out.getvalue())) == {"rich.md", "images/huge.png"}


@pytest.mark.django_db
def test_an_encrypted_member_is_refused_by_name_not_a_server_error(editor_client: Client) -> None:
    locked = patched(guide_zip_bytes(), "images/window.png", flag_bits=0x1)
    with pytest.raises(GuideImportError) as info:
        zip_sources("locked.zip", locked)
    assert info.value.errors == [
        "locked.zip/images/window.png: encrypted; zip it again without a password"
    ]
    upload = SimpleUploadedFile("locked.zip", locked, content_type="application/zip")
    response = editor_client.post(IMPORT_URL, {"files": [upload]})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "locked.zip/images/window.png: encrypted" in response.content.decode()
    assert not Guide.objects.exists()
    assert not GuideImage.objects.exists()


@pytest.mark.parametrize(
    ("make", "member", "method"),
    [
        (lambda: guide_zip_bytes(zipfile.ZIP_BZIP2), "rich.md", "bzip2"),
        (lambda: guide_zip_bytes(zipfile.ZIP_LZMA), "rich.md", "LZMA"),
        # A method zipfile has no decompressor for (98, PPMd): NotImplementedError in zipfile.
        (
            lambda: patched(guide_zip_bytes(), "images/window.png", compress_type=98),
            "images/window.png",
            "method 98",
        ),
    ],
)
@pytest.mark.django_db
def test_a_member_compressed_another_way_than_deflate_is_refused_by_name(
    editor_client: Client, make, member: str, method: str
) -> None:
    # bzip2 and LZMA inflate whatever chunk they are handed: no byte budget could stop a bomb.
    data = make()
    with pytest.raises(GuideImportError) as info:
        zip_sources("other.zip", data)
    assert info.value.errors == [
        f"other.zip/{member}: compressed with {method}, which is not read here; zip it again "
        "with deflate (the usual compression) or none"
    ]
    upload = SimpleUploadedFile("other.zip", data, content_type="application/zip")
    response = editor_client.post(IMPORT_URL, {"files": [upload]})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert f"other.zip/{member}: compressed with {method}" in response.content.decode()
    assert not Guide.objects.exists()


@pytest.mark.django_db
def test_a_damaged_member_is_refused_by_name(editor_client: Client) -> None:
    data = bytearray(guide_zip_bytes())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        info = archive.getinfo("images/window.png")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    data[start : start + 64] = bytes(range(64))  # the compressed bytes themselves
    upload = SimpleUploadedFile("damaged.zip", bytes(data), content_type="application/zip")
    response = editor_client.post(IMPORT_URL, {"files": [upload]})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "damaged.zip/images/window.png: damaged" in response.content.decode()
    assert not Guide.objects.exists()


@pytest.mark.django_db
def test_an_import_upload_over_the_cap_is_a_form_error(
    editor_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A Markdown file: at most what one file of a zip may be (10 MB).
    big = SimpleUploadedFile("big.md", b"x" * (10 * 2**20 + 1), content_type="text/markdown")
    response = editor_client.post(IMPORT_URL, {"files": [big]})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.context["form"].errors["files"] == [
        "'big.md' is larger than 10 MB; nothing was imported."
    ]
    # A zip: at most what its files may hold unpacked (200 MB; lowered here, not to upload that).
    monkeypatch.setattr("articles.admin.MAX_ZIP_UPLOAD", 2**20)
    data = guide_zip_bytes(zipfile.ZIP_STORED) + bytes(2**20)
    upload = SimpleUploadedFile("big.zip", data, content_type="application/zip")
    response = editor_client.post(IMPORT_URL, {"files": [upload]})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "&#x27;big.zip&#x27; is larger than 1 MB; nothing was imported." in (
        response.content.decode()
    )
    assert not Guide.objects.exists()
    # Under the cap, the same zip imports, read from the uploaded file.
    upload = SimpleUploadedFile("rich.zip", guide_zip_bytes(), content_type="application/zip")
    response = editor_client.post(IMPORT_URL, {"files": [upload]})
    assert response.status_code == HTTPStatus.FOUND
    assert Guide.objects.get().slug == "sliding-windows-in-code"


def test_a_zip_listing_more_than_it_may_hold_is_refused_before_its_list_is_read() -> None:
    """zipfile makes an object of every entry of the central directory before anything can count
    them: a directory bigger than 2,000 entries can need is refused from the end record's size."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("guide.md", VALID)
        for n in range(2100):
            archive.writestr(f"images/{'x' * 900}-{n}.png", b"")
    with pytest.raises(ArchiveError, match="the zip holds too much"):
        zip_contents("many.zip", out.getvalue())
    # The refusal comes from the end record, before the directory is read: a directory that
    # says it is 50 MB (and is not there at all) is refused for its size, not found damaged.
    small = guide_zip_bytes()
    end = small.rfind(b"PK\x05\x06")
    huge = bytearray(small)
    struct.pack_into("<I", huge, end + 12, 50 * 2**20)
    with pytest.raises(ArchiveError, match="the zip holds too much"):
        zip_contents("huge.zip", bytes(huge))
