"""Members' email fails safe: a provider's refusal of the sender or of the message pauses the
campaign and marks nobody; each row is checked again when it is sent; a slow sender whose claim
lapsed never sends a row twice; staff pause, resume and cancel from the admin; the one-click
link only unsubscribes, and only for the address it was sent to."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from http import HTTPStatus

import pytest
from allauth.account.models import EmailAddress
from django import db
from django.contrib.auth.models import Group
from django.core import mail
from django.test import Client
from django.utils import timezone

from accounts.models import User
from alphacode.settings import mailers_from_url
from articles.reference_data import EDITORS
from articles.services import guide_save
from mailings.models import Campaign, EmailPreferences, Recipient
from mailings.sending import campaign_send_batch
from mailings.services import (
    campaign_pause,
    campaign_resume,
    campaign_start,
    guide_announce,
    preferences_save,
    wants,
)
from mailings.tasks import campaign_send

from ..conftest import signed_in, wait_for
from ..factories import UserFactory, make_guide
from .conftest import announce, member


def members(count: int) -> list[User]:
    return [member(f"reader{n}@example.com") for n in range(count)]


def filled(guide, capture) -> Campaign:
    """An announcement filled and not yet sent (its senders not started)."""
    with capture(execute=False):
        campaign, _ = guide_announce(guide=guide, to="members")
    return campaign


def statuses(campaign: Campaign) -> Counter:
    return Counter(Recipient.objects.filter(campaign=campaign).values_list("status", flat=True))


def nobody_marked() -> bool:
    return not EmailPreferences.objects.exclude(undeliverable="").exists()


@contextmanager
def sending_in_a_thread(campaign_id: int) -> Iterator[None]:
    """A sender sends a batch in a thread of its own (its own database connection) while the
    body of the `with` runs; the thread is then waited for."""

    def send() -> None:
        try:
            campaign_send_batch(campaign_id)
        finally:
            db.connection.close()

    thread = threading.Thread(target=send)
    thread.start()
    try:
        yield
    finally:
        thread.join(timeout=60)


# --- A provider's refusal never blocks the list --------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_quota_refusal_pauses_the_campaign_keeps_every_member_reachable_and_resumes(
    worker, smtp_sink, settings, staff_client
) -> None:
    """On a real worker: the provider takes three messages, then answers every DATA with
    `550 5.4.5 Daily sending quota exceeded`."""
    settings.MAILERS = {"default": mailers_from_url(smtp_sink.url)}
    readers = members(8)
    smtp_sink.quota = 3
    guide = make_guide(slug="quota-day", access="free")
    campaign, added = guide_announce(guide=guide, to="members")
    assert added == 8

    wait_for(lambda: Campaign.objects.get(pk=campaign.pk).paused_at is not None, timeout=30)
    campaign.refresh_from_db()
    assert "550 5.4.5 Daily sending quota exceeded" in campaign.reason
    assert statuses(campaign) == {"sent": 3, "queued": 5}
    assert nobody_marked()
    assert all(wants(reader, "announcements") for reader in readers)
    page = staff_client.get(f"/admin/mailings/campaign/{campaign.pk}/change/").content.decode()
    assert "paused" in page
    assert "550 5.4.5 Daily sending quota exceeded" in page
    assert "3 sent, 0 failed, 0 skipped, 0 canceled, 5 queued, of 8" in page

    # The next day: staff resume it, and the rest go out, each member once.
    smtp_sink.quota = None
    staff_client.post(
        "/admin/mailings/campaign/", {"action": "resume", "_selected_action": [campaign.pk]}
    )
    wait_for(lambda: statuses(campaign) == {"sent": 8}, timeout=30)
    received = Counter(message["To"] for message in smtp_sink.messages)
    assert received == Counter({reader.email: 1 for reader in readers})
    # And a later campaign reaches every one of them.
    second, added = guide_announce(guide=make_guide(slug="next-day", access="free"), to="members")
    assert added == 8
    wait_for(lambda: statuses(second) == {"sent": 8}, timeout=30)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("where", "answer"),
    [
        ("sender", "554 5.7.1 Sending suspended for this account"),
        ("data", "554 Message rejected: Sending suspended"),
        # Relays often refuse the sender's address at RCPT; 5.1.8 is the sender's, not the reader's.
        ("rcpt", "553 5.1.8 <hello@alphacode.local>: Sender address rejected: Domain not found"),
    ],
)
def test_a_refusal_of_the_sender_or_the_message_pauses_and_marks_nobody(
    where, answer, premium, settings, smtp_sink, django_capture_on_commit_callbacks
) -> None:
    settings.MAILERS = {"default": mailers_from_url(smtp_sink.url)}
    readers = members(3)
    if where == "sender":
        smtp_sink.refuse_sender = answer
    elif where == "data":
        smtp_sink.quota, smtp_sink.data_refusal = 0, answer
    else:
        smtp_sink.refuse = {readers[0].email: [answer]}
    campaign, _ = announce(premium, "members", django_capture_on_commit_callbacks)
    campaign.refresh_from_db()
    assert campaign.state == "paused"
    assert answer in campaign.reason
    assert statuses(campaign) == {"queued": 3}
    assert nobody_marked()
    assert Recipient.objects.filter(attempts=0).count() == 3  # no try is counted against them


@pytest.mark.django_db
def test_readers_refused_one_after_another_pause_the_campaign_and_one_alone_never_blocks_it(
    premium, settings, smtp_sink, staff_client, django_capture_on_commit_callbacks
) -> None:
    settings.MAILERS = {"default": mailers_from_url(smtp_sink.url)}
    readers = members(4)
    # The relay refuses every recipient for a reason that names neither them nor us.
    smtp_sink.refuse = {r.email: ["550 5.7.1 Relaying denied"] * 9 for r in readers}
    campaign, _ = announce(premium, "members", django_capture_on_commit_callbacks)
    campaign.refresh_from_db()
    assert campaign.state == "paused"
    assert campaign.reason == "3 readers refused in a row: 550 5.7.1 Relaying denied"
    assert statuses(campaign) == {"queued": 4}  # three to be tried again, one never tried
    assert nobody_marked()

    # One reader refused that way, among others: theirs alone, tried again later; the campaign
    # goes on, and resuming is never blocked by them.
    smtp_sink.refuse = {readers[0].email: ["550 5.7.1 Recipient address rejected"] * 9}
    Recipient.objects.filter(campaign=campaign).update(next_attempt_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(
            "/admin/mailings/campaign/", {"action": "resume", "_selected_action": [campaign.pk]}
        )
    campaign.refresh_from_db()
    assert campaign.state == "sending"  # its first row waits for its next try
    assert statuses(campaign) == {"sent": 3, "queued": 1}
    refused = Recipient.objects.get(campaign=campaign, user=readers[0])
    assert refused.error == "550 5.7.1 Recipient address rejected"
    assert nobody_marked()


@pytest.mark.django_db
def test_a_provider_throttling_us_makes_the_campaign_wait_then_pause_never_fail_anyone(
    premium, settings, smtp_sink, django_capture_on_commit_callbacks
) -> None:
    settings.MAILERS = {"default": mailers_from_url(smtp_sink.url)}
    readers = members(4)
    smtp_sink.quota, smtp_sink.data_refusal = (
        1,
        "454 4.7.0 Throttling failure: Daily message quota exceeded",
    )
    campaign, _ = announce(premium, "members", django_capture_on_commit_callbacks)
    campaign.refresh_from_db()
    assert campaign.state.startswith("waiting until")
    assert "454 4.7.0 Throttling failure" in campaign.reason
    assert statuses(campaign) == {"sent": 1, "queued": 3}
    assert Recipient.objects.filter(status="queued", attempts=0).count() == 3
    waits = []
    for _ in range(3):  # each wait over, the provider still refuses: longer waits, then a pause
        waits.append((campaign.held_until - timezone.now()).total_seconds())
        Campaign.objects.filter(pk=campaign.pk).update(held_until=timezone.now())
        campaign_send.delay(campaign.pk)
        campaign.refresh_from_db()
    assert [round(w / 60) for w in waits] == [1, 5, 30]
    assert campaign.state == "paused"
    assert campaign.reason.startswith("still throttled after waiting 1 min, 5 min, 30 min")
    assert statuses(campaign) == {"sent": 1, "queued": 3}
    assert nobody_marked()
    # The next day the provider takes mail again: resumed, every reader gets it once.
    smtp_sink.quota = None
    with django_capture_on_commit_callbacks(execute=True):
        campaign_resume(campaign_id=campaign.pk)
    assert statuses(campaign) == {"sent": 4}
    assert Counter(m["To"] for m in smtp_sink.messages) == Counter({r.email: 1 for r in readers})


@pytest.mark.django_db
def test_a_greylisted_reader_is_tried_again_and_the_batch_goes_on(
    premium, settings, smtp_sink, django_capture_on_commit_callbacks
) -> None:
    settings.MAILERS = {"default": mailers_from_url(smtp_sink.url)}
    greylisted, *others = members(3)
    smtp_sink.refuse = {greylisted.email: ["450 4.2.0 Greylisted, try again later"]}
    campaign, _ = announce(premium, "members", django_capture_on_commit_callbacks)
    assert sorted(m["To"] for m in smtp_sink.messages) == sorted(r.email for r in others)
    row = Recipient.objects.get(campaign=campaign, user=greylisted)
    assert (row.status, row.error) == ("queued", "450 4.2.0 Greylisted, try again later")
    assert row.next_attempt_at > timezone.now()


@pytest.mark.django_db
def test_senders_started_again_replace_the_chains_before_them(
    premium, settings, django_capture_on_commit_callbacks
) -> None:
    settings.MAILINGS_SENDERS = 0  # the test runs the chains itself
    members(2)
    campaign, _ = announce(premium, "members", django_capture_on_commit_callbacks)
    campaign_start(campaign.pk)
    first = Campaign.objects.get(pk=campaign.pk).generation
    campaign_start(campaign.pk)  # a resume, or beat restarting a campaign it thought lost
    assert campaign_send_batch(campaign.pk, first) == (False, 0.0)  # the old chain stops
    assert mail.outbox == []
    more, _ = campaign_send_batch(campaign.pk, first + 1)
    assert (more, len(mail.outbox)) == (False, 2)


@pytest.mark.django_db
def test_only_a_refusal_of_the_address_marks_it_and_a_full_mailbox_fails_only_this_email(
    premium, settings, smtp_sink, django_capture_on_commit_callbacks
) -> None:
    settings.MAILERS = {"default": mailers_from_url(smtp_sink.url)}
    gone, full, fine = members(3)
    smtp_sink.refuse = {
        gone.email: ["550 5.1.1 No such mailbox"],
        full.email: ["552 5.2.2 Mailbox full"],
    }
    campaign, _ = announce(premium, "members", django_capture_on_commit_callbacks)
    campaign.refresh_from_db()
    assert campaign.state == "finished"
    assert statuses(campaign) == {"failed": 2, "sent": 1}
    assert not wants(gone, "announcements")
    assert wants(full, "announcements")  # tried again by the next campaign
    assert [m["To"] for m in smtp_sink.messages] == [fine.email]


# --- Every row is checked again when it is sent -------------------------------------------------


@pytest.mark.django_db
def test_readers_who_left_after_the_campaign_was_filled_are_skipped(
    settings, django_capture_on_commit_callbacks
) -> None:
    stays, quits, deactivated, moved = members(4)
    campaign = filled(
        make_guide(slug="later-news", access="free"), django_capture_on_commit_callbacks
    )
    preferences_save(user=quits, announcements=False)
    User.objects.filter(pk=deactivated.pk).update(is_active=False)
    User.objects.filter(pk=moved.pk).update(email="moved@example.com")
    EmailAddress.objects.filter(user=moved).update(email="moved@example.com")

    campaign_send.delay(campaign.pk)

    assert [m.to for m in mail.outbox] == [[stays.email]]
    reasons = dict(Recipient.objects.filter(campaign=campaign).values_list("user_id", "error"))
    assert statuses(campaign) == {"sent": 1, "skipped": 3}
    assert reasons[quits.pk] == "unsubscribed or left the audience since"
    assert reasons[deactivated.pk] == "deactivated since"
    assert reasons[moved.pk] == "address changed since"


@pytest.mark.django_db
def test_an_announcement_whose_guide_is_unpublished_or_deleted_is_canceled_and_sends_nothing(
    staff_client, django_capture_on_commit_callbacks
) -> None:
    members(2)
    unpublished = make_guide(slug="pulled-back", access="free")
    deleted = make_guide(slug="deleted-guide", access="free")
    first = filled(unpublished, django_capture_on_commit_callbacks)
    second = filled(deleted, django_capture_on_commit_callbacks)
    unpublished.status = "draft"
    guide_save(guide=unpublished)
    deleted.delete()

    campaign_send.delay(first.pk)
    campaign_send.delay(second.pk)

    assert mail.outbox == []  # never "New guide:" with no body
    for campaign, why in ((first, "no longer published"), (second, "was deleted")):
        campaign.refresh_from_db()
        assert campaign.state == "canceled"
        assert why in campaign.reason
        assert statuses(campaign) == {"canceled": 2}
    page = staff_client.get(f"/admin/mailings/campaign/{second.pk}/change/").content.decode()
    assert "its guide was deleted" in page


# --- A lapsed claim is never sent twice ---------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_batch_slower_than_its_claim_is_never_sent_twice(settings, smtp_sink) -> None:
    """The relay takes longer than the claim to answer the first message; a second sender
    comes meanwhile and takes over the rows whose claim lapsed."""
    settings.MAILERS = {"default": mailers_from_url(smtp_sink.url)}
    settings.MAILINGS_CLAIM_SECONDS = 1
    settings.MAILINGS_RATE_PER_MINUTE = 10**6
    settings.MAILINGS_SENDERS = 0  # the test runs the two senders itself
    readers = members(4)
    campaign = guide_announce(guide=make_guide(slug="slow-relay", access="free"), to="members")[0]
    in_flight, go_on = threading.Event(), threading.Event()

    def slow_first_reply() -> None:
        if not in_flight.is_set():
            in_flight.set()
            go_on.wait(timeout=30)

    smtp_sink.before_reply = slow_first_reply
    with sending_in_a_thread(campaign.pk):
        try:
            assert in_flight.wait(timeout=30)
            time.sleep(1.5)  # the first sender's claim lapses while its relay is still answering
            campaign_send_batch(campaign.pk)  # a second sender takes over what it can
        finally:
            go_on.set()

    received = Counter(message["To"] for message in smtp_sink.messages)
    assert received == Counter({reader.email: 1 for reader in readers})
    assert statuses(campaign) == {"sent": 4}


@pytest.mark.django_db(transaction=True)
def test_a_batch_that_outlives_its_claim_switches_to_locked_sends_and_sends_no_one_twice(
    settings, smtp_sink
) -> None:
    """The relay answers each message in 0.15 s: the batch starts on the fast path, goes on
    row by row under the lock once its claim no longer outlasts a send by far, and a second
    sender takes over what lapsed."""
    settings.MAILERS = {"default": mailers_from_url(smtp_sink.url)}
    settings.MAILERS["default"]["OPTIONS"]["timeout"] = 1  # a send takes at most 5 s
    settings.MAILINGS_CLAIM_SECONDS = 11  # so the first second of the batch is the fast path
    settings.MAILINGS_RATE_PER_MINUTE = 10**6
    settings.MAILINGS_SENDERS = 0
    readers = members(90)
    campaign = guide_announce(guide=make_guide(slug="long-batch", access="free"), to="members")[0]
    smtp_sink.before_reply = lambda: time.sleep(0.15)

    with sending_in_a_thread(campaign.pk):
        wait_for(lambda: len(smtp_sink.messages) >= 76, timeout=60)  # past its claim (11 s)
        campaign_send_batch(campaign.pk)  # takes over the rows whose claim lapsed

    received = Counter(message["To"] for message in smtp_sink.messages)
    assert received == Counter({reader.email: 1 for reader in readers})
    assert statuses(campaign) == {"sent": 90}


@pytest.mark.django_db(transaction=True)
def test_a_batch_being_sent_stops_within_a_second_of_a_pause_and_resumes_where_it_stopped(
    settings, smtp_sink, django_capture_on_commit_callbacks
) -> None:
    settings.MAILERS = {"default": mailers_from_url(smtp_sink.url)}
    settings.MAILINGS_SENDERS = 0
    readers = members(20)
    guide = make_guide(slug="paused-midway", access="free")
    campaign = guide_announce(guide=guide, to="members")[0]
    smtp_sink.before_reply = lambda: time.sleep(0.1)

    with sending_in_a_thread(campaign.pk):
        wait_for(lambda: len(smtp_sink.messages) >= 2, timeout=30)
        campaign_pause(campaign_id=campaign.pk, reason="paused by staff")
    sent = len(smtp_sink.messages)
    assert sent <= 2 + 11  # a second's worth at most (each message takes 0.1 s), not all 20
    assert statuses(campaign) == {"sent": sent, "queued": 20 - sent}
    assert Recipient.objects.filter(status="queued", claim__isnull=False).count() == 0

    settings.MAILINGS_SENDERS = 1
    smtp_sink.before_reply = None
    campaign_resume(campaign_id=campaign.pk)
    wait_for(lambda: statuses(campaign) == {"sent": 20}, timeout=30)
    received = Counter(message["To"] for message in smtp_sink.messages)
    assert received == Counter({reader.email: 1 for reader in readers})


# --- The admin ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_campaign_page_lists_failures_and_staff_pause_resume_and_cancel(
    premium, settings, smtp_sink, staff_client, django_capture_on_commit_callbacks
) -> None:
    settings.MAILERS = {"default": mailers_from_url(smtp_sink.url)}
    gone, _, _ = members(3)  # the later campaigns go to the two others
    smtp_sink.refuse = {gone.email: ["550 5.1.1 No such mailbox"]}
    campaign, _ = announce(premium, "members", django_capture_on_commit_callbacks)
    page = staff_client.get(f"/admin/mailings/campaign/{campaign.pk}/change/")
    assert page.status_code == HTTPStatus.OK
    assert "1 × 550 5.1.1 No such mailbox" in page.content.decode()

    other = filled(make_guide(slug="to-pause", access="free"), django_capture_on_commit_callbacks)
    changelist = "/admin/mailings/campaign/"
    staff_client.post(changelist, {"action": "pause", "_selected_action": [other.pk]})
    other.refresh_from_db()
    assert other.state == "paused"
    assert other.reason == "paused by ops@example.com"
    campaign_send.delay(other.pk)  # a sender finds it paused and sends nothing
    assert statuses(other) == {"queued": 2}
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(changelist, {"action": "resume", "_selected_action": [other.pk]})
    assert statuses(other) == {"sent": 2}

    third = filled(make_guide(slug="to-cancel", access="free"), django_capture_on_commit_callbacks)
    staff_client.post(changelist, {"action": "cancel", "_selected_action": [third.pk]})
    campaign_send.delay(third.pk)
    assert statuses(third) == {"canceled": 2}
    assert Campaign.objects.get(pk=third.pk).state == "canceled"


@pytest.mark.django_db
def test_staff_without_the_permission_cannot_pause_a_campaign(
    editor_client, editor, django_capture_on_commit_callbacks
) -> None:
    members(1)
    campaign = filled(
        make_guide(slug="not-yours", access="free"), django_capture_on_commit_callbacks
    )
    assert editor.groups.filter(name=EDITORS).exists()
    page = editor_client.get("/admin/mailings/campaign/").content.decode()
    assert "Pause the selected campaigns" not in page
    editor_client.post(
        "/admin/mailings/campaign/", {"action": "pause", "_selected_action": [campaign.pk]}
    )
    campaign.refresh_from_db()
    assert campaign.state == "sending"
    controller = UserFactory(is_staff=True, email="ops2@example.com")
    controller.groups.add(Group.objects.get(name=EDITORS))
    from django.contrib.auth.models import Permission

    controller.user_permissions.add(Permission.objects.get(codename="control_campaign"))
    signed_in(controller).post(
        "/admin/mailings/campaign/", {"action": "pause", "_selected_action": [campaign.pk]}
    )
    assert Campaign.objects.get(pk=campaign.pk).state == "paused"


# --- The one-click link only unsubscribes ------------------------------------------------------


def _link_path(message) -> str:
    link = message.extra_headers["List-Unsubscribe"].strip("<>")
    return "/" + link.split("://", 1)[1].split("/", 1)[1]


@pytest.mark.django_db
def test_the_one_click_link_cannot_subscribe_again_and_dies_with_an_address_change(
    premium, readers, django_capture_on_commit_callbacks
) -> None:
    subscriber = readers["subscriber"]
    announce(premium, "subscribers", django_capture_on_commit_callbacks)
    path = _link_path(mail.outbox[0])
    client = Client(enforce_csrf_checks=True)
    client.post(
        path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert not wants(subscriber, "announcements")
    # Someone holding the forwarded email cannot override the member's choice.
    page = client.post(path, {"resubscribe": "1"})
    assert not wants(subscriber, "announcements")
    assert "/account/#email-preferences" in page.content.decode()
    # Subscribing again is the member's, signed in, through the account page's form.
    signed_in(subscriber).post("/account/email/", {"announcements": "on", "digest": "on"})
    assert wants(subscriber, "announcements")
    # After an address change, the old email's link no longer works.
    User.objects.filter(pk=subscriber.pk).update(email="new-address@example.com")
    assert client.get(path).status_code == HTTPStatus.NOT_FOUND
    assert client.post(path).status_code == HTTPStatus.NOT_FOUND
    assert wants(User.objects.get(pk=subscriber.pk), "announcements")
