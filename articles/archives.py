"""Reading a zip of guides without trusting it. A zip's headers say how big each file is, but
nothing makes them true: a file of a few hundred kilobytes can inflate to gigabytes. So every
member is inflated against a byte budget (never more than the budget plus one byte, whatever its
header says), and what cannot be read that way (an encrypted member, a compression method other
than stored or deflate, a damaged member) is refused with the zip's and the member's name."""

from __future__ import annotations

import io
import posixpath
import struct
import zipfile
import zlib
from typing import IO

from .images import MAX_BYTES

# What a zip may hold, unpacked: all its files together, and each one (no file of a guide is
# bigger than an image may be: articles.images refuses an image over MAX_BYTES).
MAX_ZIP_BYTES = 200 * 1024 * 1024
MAX_ZIP_FILES = 2000
MAX_MEMBER_BYTES = MAX_BYTES

# zipfile asks the deflate decompressor for at most as many bytes as are read; it hands bzip2
# and LZMA a whole compressed chunk and takes everything they make of it, so a budget could not
# stop a bomb in those. Stored and deflate are also what every zip tool writes by default.
METHODS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED}
OTHER_METHODS = {zipfile.ZIP_BZIP2: "bzip2", zipfile.ZIP_LZMA: "LZMA"}  # named in the refusal
ENCRYPTED = 0x1  # general purpose flag bit 0


# zipfile reads the whole central directory (an object of about 540 bytes per entry) before
# anyone can count the entries: a 200 MB upload could list millions. The directory's size, from
# the end record, is checked first: no entry of a guide's zip needs more than this.
MAX_ENTRY_BYTES = 1024
_END_RECORD = b"PK\x05\x06"
_END_RECORD_SIZE = 22
_LONGEST_COMMENT = 0xFFFF


def _directory_size(handle: IO[bytes]) -> int:
    """The central directory's size in bytes, as the zip's end record says (0 when there is no
    end record: zipfile then refuses the file itself). A zip64 directory counts as too big."""
    handle.seek(0, io.SEEK_END)
    size = handle.tell()
    start = max(0, size - _END_RECORD_SIZE - _LONGEST_COMMENT)
    handle.seek(start)
    tail = handle.read()
    handle.seek(0)
    at = tail.rfind(_END_RECORD)
    if at < 0 or len(tail) - at < _END_RECORD_SIZE:
        return 0
    entries, directory = struct.unpack_from("<HI", tail, at + 10)
    if entries == 0xFFFF or directory == 0xFFFFFFFF:
        return 2**63  # zip64: more entries or bytes than a guide's zip ever holds
    return directory


class ArchiveError(ValueError):
    """A zip that is not read, with the reason (naming the zip, and the member if one is at
    fault)."""


def zip_contents(
    name: str,
    source: bytes | IO[bytes],
    *,
    max_bytes: int = MAX_ZIP_BYTES,
    max_files: int = MAX_ZIP_FILES,
    max_member: int = MAX_MEMBER_BYTES,
) -> dict[str, bytes]:
    """Every file in the zip (folders left out) by its normalised path. `source` is the zip's
    bytes or a seekable file (an upload is read from its file, never held whole). Refused with
    ArchiveError: more than `max_files` files, a member over `max_member` bytes or all of them
    over `max_bytes` (counted in the bytes really inflated, not the sizes the headers declare),
    an encrypted member, a compression method other than stored or deflate, a damaged member."""
    too_much = (
        f"{name}: the zip holds too much (at most {max_files} files and "
        f"{max_bytes // 2**20} MB unpacked)"
    )
    handle = io.BytesIO(source) if isinstance(source, bytes) else source
    if _directory_size(handle) > max_files * MAX_ENTRY_BYTES:
        raise ArchiveError(too_much)
    try:
        archive = zipfile.ZipFile(handle)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError):
        raise ArchiveError(f"{name}: not a zip file that can be read") from None
    with archive:
        members = [m for m in archive.infolist() if not m.is_dir()]
        # The declared sizes refuse an honest big zip before anything is inflated; the budget
        # below is what holds when they lie.
        if len(members) > max_files or sum(m.file_size for m in members) > max_bytes:
            raise ArchiveError(too_much)
        contents: dict[str, bytes] = {}
        used = 0
        for member in members:
            limit = min(max_member, max_bytes - used)
            data = _read_member(name, archive, member, limit)
            if len(data) > limit:
                raise ArchiveError(
                    too_much
                    if limit < max_member
                    else f"{name}/{member.filename}: larger than {max_member // 2**20} MB "
                    "unpacked (no file of a guide may be bigger)"
                )
            used += len(data)
            contents[posixpath.normpath(member.filename)] = data
    return contents


def _read_member(name: str, archive: zipfile.ZipFile, member: zipfile.ZipInfo, limit: int) -> bytes:
    """The member's bytes, at most `limit` + 1 of them (one more than allowed tells the caller
    it is too big), however big its header says it is."""
    where = f"{name}/{member.filename}"
    if member.flag_bits & ENCRYPTED:
        raise ArchiveError(f"{where}: encrypted; zip it again without a password")
    if member.compress_type not in METHODS:
        method = OTHER_METHODS.get(member.compress_type, f"method {member.compress_type}")
        raise ArchiveError(
            f"{where}: compressed with {method}, which is not read here; zip it again with "
            "deflate (the usual compression) or none"
        )
    try:
        with archive.open(member) as handle:
            return handle.read(limit + 1)
    except (NotImplementedError, RuntimeError) as exc:
        # What zipfile cannot read at all (strong encryption, a method it has no decompressor
        # for) and the flags above did not show.
        raise ArchiveError(f"{where}: cannot be read ({exc})") from None
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
        # A damaged member, or one whose header lies about its size (its checksum then fails).
        raise ArchiveError(f"{where}: damaged, or not what its header says ({exc})") from None
