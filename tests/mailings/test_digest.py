"""The weekly study digest: a reader's own week (plan days, drill cards due, the guide to
continue) and the guides published in the last week; nothing for a reader with nothing; sent
once a week, by beat on Mondays at 07:00 UTC or by `manage.py send_digest`."""

from __future__ import annotations

import datetime as dt

import pytest
from allauth.account.models import EmailAddress
from celery.schedules import crontab
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from accounts.models import User
from articles.models import Track
from articles.services import guide_save, guides_import
from mailings.models import EmailPreferences, Recipient
from mailings.services import digest_send
from study.models import Plan, Reading

from ..factories import SubscriptionFactory, UserFactory, make_guide
from ..helpers import SENTINEL, VALID

pytestmark = pytest.mark.django_db


def member(email: str, *, subscriber: bool = False) -> User:
    user = SubscriptionFactory(user__email=email).user if subscriber else UserFactory(email=email)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def send(capture) -> int:
    with capture(execute=True):
        return digest_send()[1]


@pytest.fixture
def heaps(db):
    (guide,) = guides_import([("heaps.md", VALID)])
    # Published a month ago: not "new this week".
    guide.published_at = timezone.now() - dt.timedelta(days=30)
    guide_save(guide=guide)
    return guide


def test_a_reader_with_a_plan_gets_their_week(heaps, django_capture_on_commit_callbacks) -> None:
    reader = member("planner@example.com", subscriber=True)
    Plan.objects.create(
        user=reader, interview_date=timezone.localdate() + dt.timedelta(days=10)
    ).tracks.set(Track.objects.filter(slug="coding"))
    Reading.objects.create(user=reader, guide=heaps)
    assert send(django_capture_on_commit_callbacks) == 1
    (message,) = mail.outbox
    text, html = message.body, message.alternatives[0].content
    assert "Your plan" in text
    assert "Heaps for interviews" in text  # a day's task, and the guide to continue
    assert "Pick up where you left off: Heaps for interviews" in text
    assert "drill cards due today" in text  # the phrase table's rows, new cards
    assert "New this week" not in text
    assert message.subject.startswith("Your week on Alpha Code: ")
    assert "Your plan" in html
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "/email/unsubscribe/" in message.extra_headers["List-Unsubscribe"]
    for part in (text, html):
        assert SENTINEL not in part


def test_readers_with_nothing_get_only_new_guides_or_nothing(
    heaps, django_capture_on_commit_callbacks
) -> None:
    # A member who turned the digest on, with no plan, nothing to drill (the premium guide's
    # phrase table is past its cut) and nothing opened.
    quiet = member("quiet@example.com")
    EmailPreferences.objects.create(user=quiet, digest=True)
    plain = member("plain@example.com")  # off by default for members without access
    assert send(django_capture_on_commit_callbacks) == 1
    assert mail.outbox == []  # nothing to say
    assert Recipient.objects.get(user=quiet).status == "skipped"
    assert not Recipient.objects.filter(user=plain).exists()

    # Next week a guide is published: the reader gets it, and only it.
    make_guide(slug="fresh-guide", title="Fresh guide", access="premium")
    EmailPreferences.objects.create(user=plain, digest=True)
    with django_capture_on_commit_callbacks(execute=True):
        digest_send(now=timezone.now() + dt.timedelta(days=7))
    assert sorted(m.to[0] for m in mail.outbox) == ["plain@example.com", "quiet@example.com"]
    for message in mail.outbox:
        assert "New this week" in message.body
        assert "Fresh guide (Premium)" in message.body
        assert "Your plan" not in message.body


def test_once_a_week_by_beat_or_by_command(heaps, capsys, django_capture_on_commit_callbacks):
    schedule = settings.CELERY_BEAT_SCHEDULE["weekly-study-digest"]
    assert schedule["task"] == "mailings.tasks.digest_weekly"
    assert schedule["schedule"] == crontab(day_of_week="mon", hour=7, minute=0)
    member("weekly@example.com", subscriber=True)
    make_guide(slug="this-week", title="This week")
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_digest")
        call_command("send_digest")
    out = capsys.readouterr().out
    assert "to up to 1 reader(s)" in out
    assert "Nothing new to send" in out
    assert len(mail.outbox) == 1
