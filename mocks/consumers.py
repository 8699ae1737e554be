"""The shared pad's websocket (`/ws/mocks/<booking>/<round>/`), for the booking's two members.

Messages are JSON objects with a `type`. From the browser:
  pull  {version}: the updates accepted after `version`
  push  {version, updates: [{clientID, changes}]}: taken only at the pad's current version
From the server:
  hello    {version, doc, editable}: the pad as it stands, on connecting
  changes  {version, updates, own}: updates that apply at `version`; `own` answers a push
  rejected {}: the push was at a stale version; pull, rebase and push again
  error    {message, readOnly}: nothing was kept; the message says why
"""

from __future__ import annotations

import time
from collections import deque
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.utils import timezone

from .bookings import visit_record
from .pad import (
    MAX_BYTES,
    PadClosed,
    PadRefused,
    member_round,
    pad_open,
    pad_pull,
    pad_push,
    pad_state,
    updates_read,
)

# A typist's pushes go one at a time, each waiting for its answer: well under this.
MESSAGES_PER_WINDOW = 60
WINDOW_SECONDS = 5.0
# A message larger than this cannot hold an edit the pad would keep (JSON escapes included).
MAX_MESSAGE_CHARS = 8 * MAX_BYTES


def group_name(round_id: int) -> str:
    return f"mocks-pad-{round_id}"


class PadConsumer(AsyncJsonWebsocketConsumer):
    """One member's connection to one round's pad. A consumer handles one message at a time, so
    `hello` goes out before any change passed on from the group."""

    round_id: int
    group: str

    async def connect(self) -> None:
        user = self.scope.get("user")
        user_id = user.pk if user is not None and user.is_authenticated else None
        kwargs = self.scope["url_route"]["kwargs"]
        found = await database_sync_to_async(member_round)(
            user_id, kwargs["booking"], kwargs["round"]
        )
        if found is None:  # anonymous, a stranger, staff, or no such round: refused
            await self.close()
            return
        self.round_id = found.pk
        await database_sync_to_async(visit_record)(found.booking, user_id, timezone.now())
        self.group = group_name(found.pk)
        self.recent: deque[float] = deque()
        # Joined before the pad is read: a change accepted in between arrives twice at most,
        # and the browser skips what it has.
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        doc, version = await database_sync_to_async(pad_state)(found.pk)
        await self.send_json(
            {
                "type": "hello",
                "version": version,
                "doc": doc,
                "editable": pad_open(found.booking, timezone.now()),
            }
        )

    async def disconnect(self, code: int) -> None:
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(
        self, text_data: str | None = None, bytes_data: bytes | None = None, **kwargs: Any
    ) -> None:
        # Counted before it is read: a flood of oversized or broken messages is limited too.
        if not self.within_rate():
            await self.refuse("Too many messages at once: wait a moment, then edit again.")
            return
        if text_data is None or len(text_data) > MAX_MESSAGE_CHARS:
            await self.refuse("This message is too large for the pad: nothing was kept.")
            return
        try:
            content = await self.decode_json(text_data)
        except (ValueError, RecursionError):  # RecursionError: arrays nested too deep to read
            await self.refuse("This message is not JSON: nothing was kept.")
            return
        await self.receive_json(content)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        kind = content.get("type") if isinstance(content, dict) else None
        version = content.get("version") if isinstance(content, dict) else None
        if isinstance(version, bool) or not isinstance(version, int) or version < 0:
            await self.refuse("A message needs the pad's version.")
            return
        if kind == "pull":
            updates = await database_sync_to_async(pad_pull)(
                round_id=self.round_id, version=version
            )
            await self.send_json(
                {
                    "type": "changes",
                    "version": version,
                    "updates": [u.as_json() for u in updates],
                    "own": False,
                }
            )
        elif kind == "push":
            await self.push(version, content.get("updates"))
        else:
            await self.refuse("Unknown message: send pull or push.")

    async def push(self, version: int, raw: object) -> None:
        try:
            updates = updates_read(raw)
            taken = await database_sync_to_async(pad_push)(
                round_id=self.round_id, version=version, updates=updates, now=timezone.now()
            )
        except PadRefused as exc:
            await self.refuse(str(exc), read_only=isinstance(exc, PadClosed))
            return
        if not taken:
            await self.send_json({"type": "rejected"})
            return
        message = {"type": "changes", "version": version, "updates": [u.as_json() for u in updates]}
        await self.send_json({**message, "own": True})
        await self.channel_layer.group_send(
            self.group, {"type": "pad.changes", "sender": self.channel_name, "message": message}
        )

    async def pad_changes(self, event: dict[str, Any]) -> None:
        """Updates another member pushed, passed on (the pusher had them in its answer)."""
        if event["sender"] != self.channel_name:
            await self.send_json({**event["message"], "own": False})

    async def refuse(self, message: str, *, read_only: bool = False) -> None:
        await self.send_json({"type": "error", "message": message, "readOnly": read_only})

    def within_rate(self) -> bool:
        now = time.monotonic()
        while self.recent and now - self.recent[0] > WINDOW_SECONDS:
            self.recent.popleft()
        if len(self.recent) >= MESSAGES_PER_WINDOW:
            return False
        self.recent.append(now)
        return True
