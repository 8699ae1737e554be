"""The mock room's websocket round trip (bench/room.sh starts daphne and runs this):

python bench/room.py prepare ROOMS FILE   -> ROOMS bookings in their first round, each member
                                             signed in; writes [{booking, cookies: [a, b]}]
python bench/room.py measure URL FILE     -> every room's two members connected at once; in each
                                             room one member types (a push every
                                             BENCH_INTERVAL_MS, one in flight at a time, as
                                             CodeMirror's collab sends), and the time from the
                                             push to the other member receiving it is recorded

The client is autobahn's (daphne's own websocket library, so nothing more to install), all
connections in one asyncio loop in this process.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alphacode.settings")

PUSHES = int(os.environ.get("BENCH_PUSHES", "40"))
INTERVAL = int(os.environ.get("BENCH_INTERVAL_MS", "200")) / 1000


def prepare(rooms: int, path: str) -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.utils import timezone

    from accounts.models import User
    from mocks.models import Booking, MockRequest
    from mocks.rounds import rounds_create

    starts = timezone.now() - dt.timedelta(minutes=10)
    made = []
    run = int(time.time())
    for number in range(rooms):
        requests = []
        cookies = []
        for side in ("a", "b"):
            user = User.objects.create_user(
                email=f"bench-room-{run}-{number}-{side}@example.com", password=None
            )
            requests.append(
                MockRequest.objects.create(
                    user=user,
                    kind="technical",
                    tier="growth",
                    level="mid",
                    focus="graphs",
                    time_zone="UTC",
                    windows=[[starts.isoformat(), (starts + dt.timedelta(hours=2)).isoformat()]],
                    status=MockRequest.Status.MATCHED,
                    matched_at=starts,
                )
            )
            session = SessionStore()
            session[SESSION_KEY] = str(user.pk)
            session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
            session[HASH_SESSION_KEY] = user.get_session_auth_hash()
            session.save()
            cookies.append(f"{settings.SESSION_COOKIE_NAME}={session.session_key}")
        booking = Booking.objects.create(
            kind="technical",
            starts_at=starts,
            ends_at=starts + dt.timedelta(minutes=95),
            first=requests[0],
            second=requests[1],
        )
        booking.members.set([r.user for r in requests])
        rounds_create(booking)
        made.append({"booking": booking.pk, "cookies": cookies})
    Path(path).write_text(json.dumps(made))


class Peer:
    """One member's websocket: the messages it received, each with the time it arrived."""

    def __init__(self) -> None:
        self.received: asyncio.Queue = asyncio.Queue()
        self.opened = asyncio.Event()
        self.protocol = None

    def send(self, message: dict) -> None:
        self.protocol.sendMessage(json.dumps(message).encode())

    async def get(self) -> tuple[float, dict]:
        return await self.received.get()


async def connect(url: str, cookie: str) -> Peer:
    from autobahn.asyncio.websocket import WebSocketClientFactory, WebSocketClientProtocol

    peer = Peer()
    parts = urlsplit(url)

    class Client(WebSocketClientProtocol):
        def onOpen(self) -> None:
            peer.protocol = self
            peer.opened.set()

        def onMessage(self, payload: bytes, is_binary: bool) -> None:
            peer.received.put_nowait((time.perf_counter(), json.loads(payload)))

    origin = f"http://{parts.hostname}:{parts.port}"
    factory = WebSocketClientFactory(url, origin=origin, headers={"Cookie": cookie})
    factory.protocol = Client
    await asyncio.get_running_loop().create_connection(factory, parts.hostname, parts.port)
    await peer.opened.wait()
    return peer


async def room(base: str, entry: dict, start: asyncio.Event, latencies: list[float]) -> None:
    url = f"{base.replace('http', 'ws', 1)}/ws/mocks/{entry['booking']}/1/"
    typist, reader = [await connect(url, cookie) for cookie in entry["cookies"]]
    for peer in (typist, reader):
        _, hello = await peer.get()
        assert hello["type"] == "hello", hello
    version, length = hello["version"], len(hello["doc"])
    await start.wait()
    await asyncio.sleep(random.random() * INTERVAL)  # the rooms do not type in step
    for _ in range(PUSHES):
        changes = [length, [0, "x"]] if length else [[0, "x"]]
        sent = time.perf_counter()
        typist.send(
            {"type": "push", "version": version, "updates": [{"clientID": "a", "changes": changes}]}
        )
        while True:
            _, answer = await typist.get()
            if answer["type"] == "changes" and answer.get("own"):
                break
            if answer["type"] in {"rejected", "error"}:
                raise RuntimeError(answer)
        while True:
            arrived, seen = await reader.get()
            if seen["type"] == "changes" and seen["version"] == version:
                latencies.append((arrived - sent) * 1000)
                break
        version, length = version + 1, length + 1
        await asyncio.sleep(INTERVAL)
    for peer in (typist, reader):
        peer.protocol.sendClose()


async def measure(base: str, path: str) -> None:
    entries = json.loads(Path(path).read_text())
    start = asyncio.Event()
    latencies: list[float] = []
    tasks = [asyncio.create_task(room(base, entry, start, latencies)) for entry in entries]
    await asyncio.sleep(2)  # every room connected before anyone types
    began = time.perf_counter()
    start.set()
    await asyncio.gather(*tasks)
    took = time.perf_counter() - began
    ordered = sorted(latencies)
    p95 = ordered[int(0.95 * (len(ordered) - 1))]
    p99 = ordered[int(0.99 * (len(ordered) - 1))]
    print(
        f"{len(entries)} rooms open at once, {len(ordered)} pushes "
        f"({len(ordered) / took:.0f}/s, one every {INTERVAL * 1000:.0f} ms per room)"
    )
    print(
        f"push -> other member: median {statistics.median(ordered):.1f} ms, "
        f"p95 {p95:.1f} ms, p99 {p99:.1f} ms, max {ordered[-1]:.1f} ms"
    )


if __name__ == "__main__":
    if sys.argv[1] == "prepare":
        prepare(int(sys.argv[2]), sys.argv[3])
    elif sys.argv[1] == "measure":
        asyncio.run(measure(sys.argv[2], sys.argv[3]))
    else:
        sys.exit(__doc__)
