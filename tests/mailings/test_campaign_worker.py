"""A campaign on the real worker path: a real Celery worker on real Redis sends an announcement
to 2,000 members through a real SMTP server, is killed (SIGKILL) in the middle, and a second
worker finishes it: every member gets the email exactly once, except at most the one message in
flight at the kill, which is sent again with the same Message-ID."""

from __future__ import annotations

import signal
import time
from collections import Counter

import pytest
from allauth.account.models import EmailAddress

from accounts.models import User
from mailings.models import Recipient
from mailings.services import guide_announce

from ..conftest import wait_for, worker_process
from ..factories import make_guide

pytestmark = pytest.mark.django_db(transaction=True)

MEMBERS = 2000


def make_members(count: int) -> list[str]:
    users = User.objects.bulk_create(
        User(email=f"member{n:05}@example.com", password="!") for n in range(count)
    )
    EmailAddress.objects.bulk_create(
        EmailAddress(user=user, email=user.email, verified=True, primary=True) for user in users
    )
    return [user.email for user in users]


def test_a_worker_killed_mid_campaign_still_sends_every_member_exactly_once(
    on_broker, smtp_sink
) -> None:
    addresses = make_members(MEMBERS)
    guide = make_guide(slug="announced-under-fire", access="free")
    env = {
        "EMAIL_URL": smtp_sink.url,
        "CELERY_VISIBILITY_TIMEOUT": "5",  # the killed worker's task comes back quickly
        "MAILINGS_CLAIM_SECONDS": "5",  # and so do the rows it had claimed
        "MAILINGS_BATCH": "100",
    }
    first = worker_process(on_broker.url, **env)
    try:
        _, added = guide_announce(guide=guide, to="members")
        assert added == MEMBERS
        wait_for(lambda: len(smtp_sink.messages) >= 300, timeout=120)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        if first.poll() is None:
            first.kill()
    killed_at = len(smtp_sink.messages)
    assert killed_at < MEMBERS, "the worker finished before it could be killed"

    second = worker_process(on_broker.url, **env)
    try:
        wait_for(
            lambda: not Recipient.objects.exclude(status=Recipient.Status.SENT).exists(),
            timeout=300,
        )
        time.sleep(7)  # past the visibility timeout: a re-delivered task finds nothing to do
    finally:
        second.terminate()
        second.wait(timeout=30)

    received = Counter(message["To"] for message in smtp_sink.messages)
    assert set(received) == set(addresses)
    repeated = [address for address, n in received.items() if n > 1]
    assert len(repeated) <= 1, repeated
    assert all(n <= 2 for n in received.values())
    for address in repeated:
        ids = {m["Message-ID"] for m in smtp_sink.messages if m["To"] == address}
        assert len(ids) == 1, ids  # the same message, sent again
    assert Recipient.objects.filter(status=Recipient.Status.SENT).count() == MEMBERS
