"""A round's shared pad, with the server as the authority of CodeMirror's collab protocol: a
push is accepted only at the pad's current version (else the client pulls what it missed and
rebases), its changes are applied here to the saved text and kept as PadChange rows, from which a
client that is behind catches up.

Lengths and positions are counted as JavaScript counts them, in UTF-16 code units: an emoji is
two, so the text is sliced in UTF-16 here too."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from .models import Booking, PadChange, Round

MAX_BYTES = 100_000  # the pad's text, in UTF-8
# Every change a round keeps, as JSON: a 95-minute mock typed non-stop stores about 2 MB, so this
# never stops a real pair, and bounds what a member pushing on purpose can make us store.
MAX_HISTORY_BYTES = 20_000_000
MAX_UPDATES = 100  # in one push
MAX_CLIENT_ID = 64
# Members may tidy the pad for a while after the booking ends; then it is kept as it stands.
OPEN_AFTER_END = dt.timedelta(minutes=30)


class PadRefused(Exception):
    """The push cannot be taken; the message says why, in words for the member."""


class PadClosed(PadRefused):
    """The pad takes no more edits: the booking is over or was canceled."""


@dataclass(frozen=True)
class Update:
    client_id: str
    changes: list[Any]

    def as_json(self) -> dict[str, Any]:
        return {"clientID": self.client_id, "changes": self.changes}


def _units(text: str) -> bytes:
    return text.encode("utf-16-le", "surrogatepass")


def _length(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise PadRefused("This change is not one the pad understands.")
    return value


def _whole(line: str) -> bool:
    try:
        line.encode("utf-8")
    except UnicodeError:
        return False
    return True


def changes_apply(text: str, changes: object) -> str:
    """`text` with a ChangeSet's JSON (ChangeSet.toJSON()) applied: a number n keeps the next n
    characters, [n] deletes n, [n, "line", ...] replaces n with the lines joined by newlines. The
    changes must cover the text exactly, as CodeMirror requires."""
    if not isinstance(changes, list):
        raise PadRefused("This change is not one the pad understands.")
    units = _units(text)
    size = len(units) // 2
    position = 0
    parts: list[bytes] = []
    for part in changes:
        if isinstance(part, list) and part:
            length = _length(part[0])
            lines = part[1:]
            if not all(isinstance(line, str) and not set(line) & {"\n", "\r"} for line in lines):
                raise PadRefused("This change is not one the pad understands.")
            if not all(_whole(line) for line in lines):
                # Half a character inserted here and half there may make a whole one in the
                # text, but the change is kept as it came, and Postgres keeps no half character.
                raise PadRefused("This change splits a character.")
            parts.append(_units("\n".join(lines)))
        else:
            length = _length(part)
            parts.append(units[2 * position : 2 * (position + length)])
        position += length
        if position > size:
            raise PadRefused("This change is for a longer text than the pad's.")
    if position != size:
        raise PadRefused("This change is for a text of another length than the pad's.")
    try:
        changed = b"".join(parts).decode("utf-16-le", "surrogatepass")
        changed.encode("utf-8")  # a change that split a character leaves half of it
    except UnicodeError:
        raise PadRefused("This change splits a character.") from None
    if "\x00" in changed:
        raise PadRefused("The pad keeps text only.")
    return changed


def updates_read(raw: object) -> list[Update]:
    """A push's updates ([{clientID, changes}]) checked for shape, or PadRefused."""
    if not isinstance(raw, list) or not raw:
        raise PadRefused("A push needs at least one update.")
    if len(raw) > MAX_UPDATES:
        raise PadRefused(f"Send at most {MAX_UPDATES} updates at once.")
    updates = []
    for item in raw:
        if not isinstance(item, dict):
            raise PadRefused("This change is not one the pad understands.")
        client_id, changes = item.get("clientID"), item.get("changes")
        if (
            not isinstance(client_id, str)
            or not 0 < len(client_id) <= MAX_CLIENT_ID
            or "\x00" in client_id
            or not _whole(client_id)
        ):
            raise PadRefused("This change is not one the pad understands.")
        if not isinstance(changes, list):
            raise PadRefused("This change is not one the pad understands.")
        updates.append(Update(client_id, changes))
    return updates


def pad_open(booking: Booking, now: dt.datetime) -> bool:
    """Whether the booking's pads take edits: not canceled, and until 30 minutes after its end."""
    return booking.status != Booking.Status.CANCELED and now < booking.ends_at + OPEN_AFTER_END


def member_round(user_id: int | None, booking_id: int, number: int) -> Round | None:
    """The booking's round `number` when `user_id` is one of its two members, else None."""
    if user_id is None:
        return None
    return (
        Round.objects.select_related("booking")
        .filter(booking_id=booking_id, number=number, booking__members=user_id)
        .first()
    )


def pad_push(*, round_id: int, version: int, updates: list[Update], now: dt.datetime) -> bool:
    """Apply the updates when `version` is the pad's own (True), or refuse them as stale (False:
    the client pulls and tries again). The round's row is locked, so two pushes at one version
    cannot both be taken; a PadRefused leaves the pad as it was."""
    with transaction.atomic():
        round_ = Round.objects.select_for_update().select_related("booking").get(pk=round_id)
        if not pad_open(round_.booking, now):
            raise PadClosed("The pad is read-only now: the mock is over or was canceled.")
        if version != round_.pad_version:
            return False
        text = round_.pad_text
        for update in updates:
            text = changes_apply(text, update.changes)
        if len(text.encode("utf-8")) > MAX_BYTES:
            raise PadRefused(f"The pad holds up to {MAX_BYTES // 1000} KB: this edit was not kept.")
        stored = sum(len(json.dumps(update.changes)) for update in updates)
        if round_.pad_history_bytes + stored > MAX_HISTORY_BYTES:
            raise PadClosed(
                "This pad has taken all the edits it can keep: it is read-only from here."
            )
        PadChange.objects.bulk_create(
            PadChange(
                round=round_,
                version=version + number,
                changes=update.changes,
                client_id=update.client_id,
            )
            for number, update in enumerate(updates, start=1)
        )
        round_.pad_text = text
        round_.pad_version = version + len(updates)
        round_.pad_saved_at = now
        round_.pad_history_bytes += stored
        round_.save(update_fields=["pad_text", "pad_version", "pad_saved_at", "pad_history_bytes"])
    return True


def pad_pull(*, round_id: int, version: int) -> list[Update]:
    """The accepted updates after `version`, in order."""
    return [
        Update(change.client_id, change.changes)
        for change in PadChange.objects.filter(round_id=round_id, version__gt=version).order_by(
            "version"
        )
    ]


def pad_state(round_id: int) -> tuple[str, int]:
    """The pad's text and version, read together."""
    round_ = Round.objects.only("pad_text", "pad_version").get(pk=round_id)
    return round_.pad_text, round_.pad_version
