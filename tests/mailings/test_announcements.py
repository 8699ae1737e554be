"""New-guide announcements: the right readers, once; no premium text to readers without
access; preferences and one-click unsubscribe (RFC 8058); a mail server's refusals."""

from __future__ import annotations

import datetime as dt
import logging
import re
from http import HTTPStatus

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from accounts.models import User
from alphacode.settings import mailers_from_url
from articles.models import Guide
from mailings.models import Campaign, EmailPreferences, Recipient
from mailings.services import wants

from ..conftest import signed_in
from ..factories import make_guide
from ..helpers import PREVIEW_MARK, SENTINEL
from .conftest import announce

pytestmark = pytest.mark.django_db


def test_an_announcement_reaches_its_audience_once(
    premium, readers, django_capture_on_commit_callbacks
):
    EmailPreferences.objects.create(user=readers["opted out"], announcements=False)
    _, added = announce(premium, "subscribers", django_capture_on_commit_callbacks)
    assert added == 1
    assert [m.to for m in mail.outbox] == [["sub@example.com"]]
    # Again: nothing new.
    assert announce(premium, "subscribers", django_capture_on_commit_callbacks)[1] == 0
    assert len(mail.outbox) == 1
    # Widened to every member: only those it has not reached, never the unconfirmed or opted out.
    _, added = announce(premium, "members", django_capture_on_commit_callbacks)
    assert added == 1
    assert sorted(m.to[0] for m in mail.outbox) == ["member@example.com", "sub@example.com"]
    assert Campaign.objects.get().audience == "members"
    assert Recipient.objects.filter(status="sent").count() == 2


def test_no_email_carries_premium_text_and_each_has_one_click_unsubscribe(
    premium, readers, django_capture_on_commit_callbacks
):
    announce(premium, "members", django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 3  # the confirmed members
    for message in mail.outbox:
        html = message.alternatives[0].content
        for part in (message.subject, message.body, html):
            assert SENTINEL not in part
            assert PREVIEW_MARK not in part  # the intro and dek only: no section at all
        assert "Heaps, from the top." in message.body
        assert premium.title in html
        # The stylesheet is inlined (css-inline), for mail clients that drop <style>.
        assert re.search(r'<h1 style="[^"]*font-size: ?24px', html)
        assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert re.fullmatch(
            r"<https?://[^>]+/email/unsubscribe/[^/]+/>", message.extra_headers["List-Unsubscribe"]
        )
        assert message.extra_headers["Message-ID"].startswith("<campaign.")


def test_one_click_unsubscribe_needs_no_session_and_points_to_the_account_page(
    premium, readers, django_capture_on_commit_callbacks
):
    announce(premium, "subscribers", django_capture_on_commit_callbacks)
    link = mail.outbox[0].extra_headers["List-Unsubscribe"].strip("<>")
    path = link.split("://", 1)[1].split("/", 1)[1]
    client = Client(enforce_csrf_checks=True)  # as a mail provider: no session, no CSRF token
    page = client.get(f"/{path}")
    assert page.status_code == HTTPStatus.OK
    assert wants(readers["subscriber"], "announcements")  # a GET changes nothing
    done = client.post(
        f"/{path}", "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert done.status_code == HTTPStatus.OK
    assert not wants(readers["subscriber"], "announcements")
    text = " ".join(done.content.decode().split())
    assert "Subscribe again on your account page" in text
    assert "Done: sub@example.com will no longer get new-guide emails." in text
    assert "gets no more of" not in text
    # Opened again later: the page says where the reader stands, in plain words.
    again = " ".join(client.get(f"/{path}").content.decode().split())
    assert "sub@example.com does not get new-guide emails." in again
    assert wants(readers["subscriber"], "digest")  # only the kind the link names
    assert client.get("/email/unsubscribe/forged-token/").status_code == HTTPStatus.NOT_FOUND


def test_preferences_on_the_account_page(readers) -> None:
    subscriber, plain = readers["subscriber"], readers["member"]
    # Defaults: both for subscribers, announcements only for other members.
    assert (wants(subscriber, "announcements"), wants(subscriber, "digest")) == (True, True)
    assert (wants(plain, "announcements"), wants(plain, "digest")) == (True, False)
    client = signed_in(plain)
    page = client.get("/account/").content.decode()
    assert 'id="id_announcements" checked' in page
    assert 'id="id_digest">' in page
    response = client.post("/account/email/", {"digest": "on"})
    assert response.status_code == HTTPStatus.FOUND
    assert (wants(plain, "announcements"), wants(plain, "digest")) == (False, True)


def test_a_permanent_refusal_marks_the_address_and_a_temporary_one_is_retried(
    premium, readers, smtp_sink, settings, django_capture_on_commit_callbacks
):
    settings.MAILERS = {"default": mailers_from_url(smtp_sink.url)}
    smtp_sink.refuse = {
        "member@example.com": ["550 5.1.1 No such mailbox"],
        "sub@example.com": ["451 4.3.0 Try again later"],
    }
    campaign, _ = announce(premium, "members", django_capture_on_commit_callbacks)
    member_row = Recipient.objects.get(user=readers["member"])
    assert (member_row.status, member_row.error) == ("failed", "550 5.1.1 No such mailbox")
    assert (
        EmailPreferences.objects.get(user=readers["member"]).undeliverable == "member@example.com"
    )
    assert not wants(readers["member"], "announcements")
    retried = Recipient.objects.get(user=readers["subscriber"])
    assert retried.status == "queued"
    assert retried.error.startswith("451")
    assert [m["To"] for m in smtp_sink.messages] == ["quiet@example.com"]
    # When it is due, the next batch sends it.
    Recipient.objects.filter(pk=retried.pk).update(
        next_attempt_at=retried.next_attempt_at.replace(year=2000)
    )
    from mailings.tasks import campaign_send

    campaign_send.delay(campaign.pk)
    assert Recipient.objects.get(pk=retried.pk).status == "sent"
    assert [m["To"] for m in smtp_sink.messages] == ["quiet@example.com", "sub@example.com"]
    # A new announcement skips the refused address; a changed address gets it again.
    other = make_guide(slug="second-guide", access="free")
    _, added = announce(other, "members", django_capture_on_commit_callbacks)
    assert added == 2  # not member@example.com
    assert not Recipient.objects.filter(campaign__guide=other, user=readers["member"]).exists()
    User.objects.filter(pk=readers["member"].pk).update(email="member2@example.com")
    EmailAddress.objects.filter(user=readers["member"]).update(email="member2@example.com")
    _, added = announce(other, "members", django_capture_on_commit_callbacks)
    assert added == 1


def test_the_command_announces_and_refuses_a_draft(
    premium, readers, capsys, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("announce_guide", premium.slug, "--to", "subscribers")
    assert "to 1 reader(s)" in capsys.readouterr().out
    draft = make_guide(slug="a-draft", status="draft")
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="not published"):
        call_command("announce_guide", draft.slug, "--to", "members")


def test_the_command_asks_for_yes_before_announcing_an_old_guide_as_new(
    premium, readers, capsys, django_capture_on_commit_callbacks
):
    from django.core.management import CommandError

    Guide.objects.filter(pk=premium.pk).update(published_at=timezone.now() - dt.timedelta(days=90))
    with pytest.raises(CommandError, match=r"published on .* \(90 days ago\).*--yes"):
        call_command("announce_guide", premium.slug, "--to", "subscribers")
    assert not Campaign.objects.exists()
    assert mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        call_command("announce_guide", premium.slug, "--to", "subscribers", "--yes")
    assert "to 1 reader(s)" in capsys.readouterr().out
    assert [m.to for m in mail.outbox] == [["sub@example.com"]]


def test_the_command_run_inline_opens_no_broker_connection(
    premium, readers, caplog, monkeypatch, django_capture_on_commit_callbacks
):
    """On the embedded default tasks run inline: kombu used to warn "No hostname was supplied"
    as Celery borrowed a broker connection for nothing."""
    from alphacode.celery import app

    def no_broker(*args, **kwargs):
        raise AssertionError("a broker connection was opened for a task run inline")

    monkeypatch.setattr(app, "producer_or_acquire", no_broker)
    monkeypatch.setattr(app, "connection_for_write", no_broker)
    with caplog.at_level(logging.WARNING), django_capture_on_commit_callbacks(execute=True):
        call_command("announce_guide", premium.slug, "--to", "members")
    assert len(mail.outbox) == 3
    assert [r.getMessage() for r in caplog.records if r.name.startswith("kombu")] == []


def test_an_editor_announces_from_the_admin_and_watches_it_go_out(
    premium, readers, editor_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(
            "/admin/articles/guide/",
            {"action": "announce_to_subscribers", "_selected_action": [premium.pk]},
            follow=True,
        )
    assert "Watch it go out" in response.content.decode()
    campaign = Campaign.objects.get()
    assert f"/admin/mailings/campaign/{campaign.pk}/change/" in response.content.decode()
    page = editor_client.get(f"/admin/mailings/campaign/{campaign.pk}/change/")
    assert page.status_code == HTTPStatus.OK
    html = page.content.decode()
    assert '<progress max="1" value="1"' in html
    assert "1 sent, 0 failed, 0 skipped, 0 canceled, 0 queued, of 1" in html
    assert [m.to for m in mail.outbox] == [["sub@example.com"]]
