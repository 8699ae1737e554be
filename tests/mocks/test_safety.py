"""Safety between peers: a member is shown to a peer by display name only; "report" puts a
reason in the staff's queue in the admin and keeps the two apart; "never match me with this
person" holds for good (the matcher reads both)."""

from __future__ import annotations

import datetime as dt
from http import HTTPStatus

import pytest
import time_machine
from django.test import Client

from accounts.models import User
from mocks.matching import match_open_requests
from mocks.models import Block, Booking, MockRequest, Report
from mocks.people import peer_name
from tests.conftest import signed_in
from tests.factories import UserFactory

from .booked import booked, premium

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 12, 1, 15, 0, tzinfo=dt.UTC)
NOW = dt.datetime(2026, 12, 7, 12, 0, tzinfo=dt.UTC)


def open_request(user: User) -> MockRequest:
    start, end = NOW + dt.timedelta(hours=3), NOW + dt.timedelta(hours=6)
    return MockRequest.objects.create(
        user=premium(user),
        kind="technical",
        tier="growth",
        level="mid",
        focus="graphs",
        time_zone="UTC",
        windows=[[start.isoformat(), end.isoformat()]],
        created_at=NOW,
    )


def messages_of(answer) -> str:
    return " ".join(str(m) for m in answer.context["messages"]) if answer.context else ""


def test_a_peer_is_named_by_display_name_never_by_email() -> None:
    assert peer_name(UserFactory(name="  Ada   Lovelace ")) == "Ada Lovelace"
    nameless = UserFactory(name="")
    assert peer_name(nameless) == f"Member #{nameless.pk}"
    typed_email = UserFactory(name="ada@example.com")
    assert peer_name(typed_email) == f"Member #{typed_email.pk}"
    full_width = UserFactory(name="ada\uff20example.com")  # a full-width at sign
    assert peer_name(full_width) == f"Member #{full_width.pk}"


def test_a_report_reaches_staff_and_keeps_the_two_apart() -> None:
    booking = booked(START)
    ada, grace = booking.first.user, booking.second.user
    client = signed_in(ada)
    answer = client.post(
        f"/mocks/{booking.pk}/report/",
        {"reason": "Rude, and shared my code.", "next": "/mocks/history/"},
        follow=True,
    )
    assert answer.redirect_chain[-1][0] == "/mocks/history/"
    assert "Reported. Staff will read it, and you will not be matched with Grace again." in (
        messages_of(answer)
    )
    (report,) = Report.objects.all()
    assert (report.reporter, report.reported, report.booking, report.reason) == (
        ada,
        grace,
        booking,
        "Rude, and shared my code.",
    )
    assert report.handled_at is None
    assert Block.objects.filter(member=ada, blocked=grace).exists()
    # A second report of the same mock while the first waits: refused, nothing new.
    again = client.post(f"/mocks/{booking.pk}/report/", {"reason": "Again."}, follow=True)
    assert "You have reported this mock already" in messages_of(again)
    assert Report.objects.count() == 1
    # The two are never matched again, whichever asked first.
    open_request(grace), open_request(ada)
    assert match_open_requests(NOW) == []


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"reason": ""}, "Say what happened: staff read every report."),
        ({"reason": "   "}, "Say what happened: staff read every report."),
        ({"reason": "x" * 4001}, "at most 4000 characters"),
    ],
)
def test_a_report_without_a_reason_is_refused(data, message) -> None:
    booking = booked(START)
    answer = signed_in(booking.first.user).post(f"/mocks/{booking.pk}/report/", data, follow=True)
    assert answer.status_code == HTTPStatus.OK
    assert message in messages_of(answer)
    assert not Report.objects.exists()
    assert not Block.objects.exists()


def test_only_a_member_of_the_mock_reports_or_blocks_and_only_back_to_this_site(
    client: Client,
) -> None:
    booking = booked(START)
    stranger = signed_in(UserFactory())
    for action in ("report", "block"):
        url = f"/mocks/{booking.pk}/{action}/"
        assert client.post(url, {"reason": "x"}).status_code == HTTPStatus.FOUND  # sign in
        answer = stranger.post(url, {"reason": "x"}, follow=True)
        assert "No such mock of yours." in messages_of(answer)
        assert stranger.get(url).status_code == HTTPStatus.METHOD_NOT_ALLOWED
    assert not Report.objects.exists()
    assert not Block.objects.exists()
    answer = signed_in(booking.first.user).post(
        f"/mocks/{booking.pk}/block/", {"next": "https://evil.example/"}
    )
    assert answer["Location"] == f"/mocks/{booking.pk}/feedback/"


def test_never_match_me_with_this_person_holds_for_good() -> None:
    booking = booked(START)
    ada, grace = booking.first.user, booking.second.user
    client = signed_in(ada)
    for _ in range(2):  # twice: still one block
        answer = client.post(f"/mocks/{booking.pk}/block/", follow=True)
        assert "Done: you will not be matched with Grace again." in messages_of(answer)
    (made,) = Block.objects.all()
    assert (made.member, made.blocked) == (ada, grace)
    with time_machine.travel(START + dt.timedelta(hours=2), tick=False):
        page = client.get(f"/mocks/{booking.pk}/feedback/").content.decode()
    assert "You will not be matched with Grace again." in page
    assert f'action="/mocks/{booking.pk}/block/"' not in page
    open_request(ada), open_request(grace)
    assert match_open_requests(NOW) == []


def test_staff_read_the_reports_unhandled_first_and_mark_them_handled(staff: User) -> None:
    first = booked(START)
    second = booked(START + dt.timedelta(days=1))
    old = Report.objects.create(
        reporter=first.first.user,
        reported=first.second.user,
        booking=first,
        reason="Handled one.",
        created_at=START,
        handled_at=START + dt.timedelta(days=1),
        handled_by=staff,
    )
    waiting = Report.objects.create(
        reporter=second.second.user,
        reported=second.first.user,
        booking=second,
        reason="Never turned their camera on and mocked me.",
        created_at=START - dt.timedelta(days=1),
    )
    admin = signed_in(staff)
    html = admin.get("/admin/mocks/report/").content.decode()
    assert html.index("Never turned their camera on") < html.index("Handled one.")
    assert admin.get("/admin/mocks/report/add/").status_code == HTTPStatus.FORBIDDEN
    answer = admin.post(
        "/admin/mocks/report/",
        {"action": "mark_handled", "_selected_action": [waiting.pk, old.pk]},
        follow=True,
    )
    assert "Marked 1 report(s) handled." in answer.content.decode()
    waiting.refresh_from_db()
    old.refresh_from_db()
    assert waiting.handled_by == staff
    assert waiting.handled_at is not None
    assert old.handled_at == START + dt.timedelta(days=1)  # as it was


def test_a_booking_of_a_cancelled_mock_can_still_be_reported() -> None:
    booking = booked(START)
    Booking.objects.filter(pk=booking.pk).update(status=Booking.Status.CANCELED)
    signed_in(booking.second.user).post(f"/mocks/{booking.pk}/report/", {"reason": "Abusive."})
    assert Report.objects.get().reported == booking.first.user


def test_reports_and_blocks_are_rate_limited() -> None:
    booking = booked(START)
    client = signed_in(booking.first.user)
    for _ in range(20):
        client.post(f"/mocks/{booking.pk}/block/")
    answer = client.post(f"/mocks/{booking.pk}/report/", {"reason": "Rude."}, follow=True)
    assert "Too many reports in an hour: try again later." in messages_of(answer)
    assert not Report.objects.exists()
