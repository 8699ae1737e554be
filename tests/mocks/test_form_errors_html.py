"""The mocks' forms shown again with their mistakes pass the W3C Nu HTML checker: each error
is where the field's aria-describedby points, once."""

from __future__ import annotations

import datetime as dt
from http import HTTPStatus

import pytest
import time_machine

from tests.conftest import signed_in
from tests.factories import UserFactory, subscriber
from tests.mocks.booked import booked
from tests.mocks.test_feedback import START, answers
from tests.mocks.test_time_zones import ask

pytestmark = pytest.mark.django_db


def test_the_request_and_feedback_forms_with_mistakes_are_valid_html() -> None:
    from tests.test_valid_html import vnu_errors

    pages = {}
    with time_machine.travel(START - dt.timedelta(days=1), tick=False):
        # A window without its start, and one too short: each says why under its row.
        answer = ask(
            subscriber(),
            "UTC",
            ("", "2026-12-07T10:00"),
            ("2026-12-07T10:00", "2026-12-07T10:30"),
        )
    assert answer.status_code == HTTPStatus.BAD_REQUEST
    pages["request"] = answer.content.decode()
    assert 'aria-describedby="id_window-0-start_error"' in pages["request"]
    ada = UserFactory(name="Ada")
    booking = booked(START, first=ada)
    mistaken = answers(2)
    del mistaken["round-2-score_framing"]
    with time_machine.travel(START + dt.timedelta(minutes=95), tick=False):
        answer = signed_in(ada).post(f"/mocks/{booking.pk}/feedback/", mistaken)
    assert answer.status_code == HTTPStatus.BAD_REQUEST
    pages["feedback"] = answer.content.decode()
    assert "Choose a score for problem framing." in pages["feedback"]
    assert vnu_errors(pages) == []
