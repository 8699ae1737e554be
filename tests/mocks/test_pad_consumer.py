"""The shared pad's websocket through the site's whole ASGI application (session cookie, Origin
check, routing) on the real Redis channel layer and Postgres: two members' edits converge, a
push at a stale version is refused and the pair still converge, strangers are turned away, and
the text is saved with the round."""

from __future__ import annotations

import datetime as dt
import os
import threading
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from channels_redis.core import RedisChannelLayer
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.db import connections
from django.utils import timezone

from accounts.models import User
from alphacode.asgi import application
from mocks.consumers import MAX_MESSAGE_CHARS, MESSAGES_PER_WINDOW
from mocks.models import Booking, Round
from tests.conftest import run_python
from tests.factories import UserFactory
from tests.mocks.rooms import book

pytestmark = pytest.mark.django_db(transaction=True)
ORIGIN = (b"origin", b"http://127.0.0.1:8000")


def cookie(user: User) -> tuple[bytes, bytes]:
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    return (b"cookie", f"{settings.SESSION_COOKIE_NAME}={session.session_key}".encode())


def socket(
    booking: Booking, number: int, user: User | None, *, origin: tuple[bytes, bytes] = ORIGIN
) -> WebsocketCommunicator:
    headers = [origin, (b"host", b"127.0.0.1:8000")]
    if user is not None:
        headers.append(cookie(user))
    return WebsocketCommunicator(application, f"/ws/mocks/{booking.pk}/{number}/", headers=headers)


def run(scenario: Callable[[], Awaitable[Any]]) -> Any:
    """The scenario's result, run to the end in a thread of its own: when a browser test ran
    earlier in this process, Playwright keeps an event loop in the main thread, where
    async_to_sync refuses to start. The consumer's database calls run in that thread too, so
    its connection is closed there."""
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["result"] = async_to_sync(scenario)()
        except BaseException as exc:  # noqa: BLE001 - re-raised in the test's thread
            outcome["error"] = exc
        finally:
            connections.close_all()

    thread = threading.Thread(target=target)
    thread.start()
    thread.join(timeout=60)
    if "error" in outcome:
        raise outcome["error"]
    return outcome["result"]


def members(booking: Booking) -> tuple[User, User]:
    return booking.first.user, booking.second.user


@pytest.fixture
def live_booking() -> Booking:
    return book(timezone.now() - dt.timedelta(minutes=10))


def test_the_pad_runs_on_the_redis_channel_layer() -> None:
    assert isinstance(get_channel_layer(), RedisChannelLayer)


def test_without_redis_the_channel_layer_is_in_memory() -> None:
    # The embedded defaults (make run): one process, so consumers meet in memory.
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DATABASE_URL"}}
    env["DJANGO_SETTINGS_MODULE"] = "alphacode.settings"
    code = "from django.conf import settings; print(settings.CHANNEL_LAYERS['default']['BACKEND'])"
    done = run_python("-c", f"import django; django.setup(); {code}", env=env)
    assert done.stdout.strip() == "channels.layers.InMemoryChannelLayer", done.stderr


def test_joining_the_pad_during_the_mock_counts_as_coming(live_booking: Booking) -> None:
    from mocks.models import RoomVisit

    ada, _grace = members(live_booking)
    a = socket(live_booking, 2, ada)

    async def scenario() -> None:
        assert (await a.connect())[0]
        await a.receive_json_from()
        await a.disconnect()

    run(scenario)
    assert list(RoomVisit.objects.values_list("member", flat=True)) == [ada.pk]


def test_two_members_edits_reach_each_other_and_are_saved(live_booking: Booking) -> None:
    ada, grace = members(live_booking)

    a, g = socket(live_booking, 1, ada), socket(live_booking, 1, grace)

    async def scenario() -> list[dict]:
        assert (await a.connect())[0]
        assert (await g.connect())[0]
        hello = await a.receive_json_from()
        assert hello == {"type": "hello", "version": 0, "doc": "", "editable": True}
        await g.receive_json_from()
        await a.send_json_to(
            {
                "type": "push",
                "version": 0,
                "updates": [{"clientID": "a", "changes": [[0, "x = 1"]]}],
            }
        )
        own = await a.receive_json_from()
        seen = await g.receive_json_from(timeout=2)
        await g.send_json_to(
            {
                "type": "push",
                "version": 1,
                "updates": [{"clientID": "g", "changes": [5, [0, "", "y"]]}],
            }
        )
        back = await a.receive_json_from(timeout=2)
        await g.receive_json_from()
        await a.disconnect()
        await g.disconnect()
        return [own, seen, back]

    own, seen, back = run(scenario)
    update = {"clientID": "a", "changes": [[0, "x = 1"]]}
    assert own == {"type": "changes", "version": 0, "updates": [update], "own": True}
    assert seen == {**own, "own": False}
    assert back["version"] == 1
    assert back["updates"][0]["clientID"] == "g"
    pad = Round.objects.get(booking=live_booking, number=1)
    assert (pad.pad_text, pad.pad_version) == ("x = 1\ny", 2)


def test_a_push_at_a_stale_version_is_refused_and_both_still_converge(
    live_booking: Booking,
) -> None:
    ada, grace = members(live_booking)

    a, g = socket(live_booking, 2, ada), socket(live_booking, 2, grace)

    async def scenario() -> dict:
        await a.connect()
        await g.connect()
        await a.receive_json_from()
        await g.receive_json_from()
        # Both type at version 0; Ada's arrives first.
        await a.send_json_to(
            {"type": "push", "version": 0, "updates": [{"clientID": "a", "changes": [[0, "ab"]]}]}
        )
        await a.receive_json_from()
        await g.send_json_to(
            {"type": "push", "version": 0, "updates": [{"clientID": "g", "changes": [[0, "Z"]]}]}
        )
        replies = [await g.receive_json_from(timeout=2), await g.receive_json_from(timeout=2)]
        assert {"type": "rejected"} in replies  # and Ada's broadcast, in either order
        await g.send_json_to({"type": "pull", "version": 0})
        pulled = await g.receive_json_from()
        # Grace's editor rebases her "Z" over Ada's "ab" (collab does) and pushes it again.
        await g.send_json_to(
            {"type": "push", "version": 1, "updates": [{"clientID": "g", "changes": [[0, "Z"], 2]}]}
        )
        await g.receive_json_from()
        seen_by_ada = await a.receive_json_from(timeout=2)
        await a.disconnect()
        await g.disconnect()
        return {"pulled": pulled, "seen_by_ada": seen_by_ada}

    answers = run(scenario)
    assert answers["pulled"]["updates"] == [{"clientID": "a", "changes": [[0, "ab"]]}]
    assert answers["seen_by_ada"]["version"] == 1
    pad = Round.objects.get(booking=live_booking, number=2)
    assert (pad.pad_text, pad.pad_version) == ("Zab", 2)


def test_strangers_staff_and_visitors_are_turned_away(live_booking: Booking) -> None:
    stranger, staff = UserFactory(), UserFactory(is_staff=True)
    ada, _ = members(live_booking)

    # The last: a member's cookie sent from a page of another site (the Origin check).
    other = (b"origin", b"https://evil.example")
    sockets = [socket(live_booking, 1, user) for user in (stranger, staff, None)]
    sockets.append(socket(live_booking, 1, ada, origin=other))

    async def scenario() -> list[bool]:
        return [(await s.connect())[0] for s in sockets]

    assert run(scenario) == [False, False, False, False]


def test_a_bad_message_gets_a_clear_error_and_changes_nothing(live_booking: Booking) -> None:
    ada, _ = members(live_booking)

    a = socket(live_booking, 1, ada)

    async def scenario() -> list[dict]:
        await a.connect()
        await a.receive_json_from()
        await a.send_to(text_data="not json")
        first = await a.receive_json_from()
        await a.send_json_to(
            {"type": "push", "version": 0, "updates": [{"clientID": "a", "changes": [3]}]}
        )
        second = await a.receive_json_from()
        await a.disconnect()
        return [first, second]

    first, second = run(scenario)
    assert first["type"] == second["type"] == "error"
    assert "not JSON" in first["message"]
    assert "longer text" in second["message"]
    assert Round.objects.get(booking=live_booking, number=1).pad_version == 0


def test_json_nested_too_deep_to_read_is_refused_and_the_pad_still_answers(
    live_booking: Booking,
) -> None:
    ada, _ = members(live_booking)

    a = socket(live_booking, 1, ada)

    async def scenario() -> list[dict]:
        await a.connect()
        await a.receive_json_from()
        await a.send_to(text_data="[" * 100_000 + "]" * 100_000)  # within the size limit
        refused = await a.receive_json_from()
        await a.send_json_to({"type": "pull", "version": 0})
        pulled = await a.receive_json_from()
        await a.disconnect()
        return [refused, pulled]

    refused, pulled = run(scenario)
    assert refused["type"] == "error"
    assert "not JSON" in refused["message"]
    assert pulled["type"] == "changes"


def test_too_many_messages_at_once_are_refused_with_a_reason(live_booking: Booking) -> None:
    ada, _ = members(live_booking)

    a = socket(live_booking, 1, ada)

    async def scenario() -> dict:
        await a.connect()
        await a.receive_json_from()
        for _ in range(MESSAGES_PER_WINDOW):
            await a.send_json_to({"type": "pull", "version": 0})
            await a.receive_json_from()
        await a.send_json_to({"type": "pull", "version": 0})
        answer = await a.receive_json_from()
        await a.disconnect()
        return answer

    answer = run(scenario)
    assert answer["type"] == "error"
    assert "Too many messages" in answer["message"]


def test_broken_messages_count_towards_the_rate_limit_too(live_booking: Booking) -> None:
    ada, _ = members(live_booking)

    a = socket(live_booking, 1, ada)

    async def scenario() -> dict:
        await a.connect()
        await a.receive_json_from()
        for _ in range(MESSAGES_PER_WINDOW):
            await a.send_to(text_data="not json")
            await a.receive_json_from()
        await a.send_to(text_data="x" * (MAX_MESSAGE_CHARS + 1))
        answer = await a.receive_json_from()
        await a.disconnect()
        return answer

    answer = run(scenario)
    assert answer["type"] == "error"
    assert "Too many messages" in answer["message"]


def test_after_the_mock_the_pad_is_read_only() -> None:
    booking = book(timezone.now() - dt.timedelta(hours=3))
    ada, _ = members(booking)

    a = socket(booking, 1, ada)

    async def scenario() -> list[dict]:
        await a.connect()
        hello = await a.receive_json_from()
        await a.send_json_to(
            {"type": "push", "version": 0, "updates": [{"clientID": "a", "changes": [[0, "x"]]}]}
        )
        refused = await a.receive_json_from()
        await a.disconnect()
        return [hello, refused]

    hello, refused = run(scenario)
    assert hello["editable"] is False
    assert refused["readOnly"] is True
    assert "read-only" in refused["message"]
    assert Round.objects.get(booking=booking, number=1).pad_text == ""
