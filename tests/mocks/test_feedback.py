"""Feedback after a mock (/mocks/<id>/feedback/), through the test client on real Postgres and
Redis: each member scores the other, round by round, from the round's feedback phase; once;
never for a cancelled mock; and what a member received shows only after they sent theirs, or
72 hours after the round."""

from __future__ import annotations

import datetime as dt
from http import HTTPStatus

import pytest
import time_machine
from django.test import Client

from mocks.feedback import FeedbackRefused, feedback_send, weakest_axis
from mocks.models import Booking, Feedback
from mocks.rubric import TECHNICAL
from tests.conftest import signed_in
from tests.factories import UserFactory

from .booked import booked, scored

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 12, 7, 15, 0, tzinfo=dt.UTC)


def answers(round_number: int, score: int = 3, **extra: str) -> dict[str, str]:
    data = {"round": str(round_number)}
    for axis in TECHNICAL:
        data[f"round-{round_number}-score_{axis.key}"] = str(score)
    data[f"round-{round_number}-went_well"] = extra.get("went_well", "Clear narration.")
    data[f"round-{round_number}-work_on"] = extra.get("work_on", "Test the empty input.")
    return data


def page(client: Client, booking: Booking, at: dt.datetime) -> str:
    with time_machine.travel(at, tick=False):
        answer = client.get(f"/mocks/{booking.pk}/feedback/")
    assert answer.status_code == HTTPStatus.OK
    return answer.content.decode()


def test_the_form_opens_with_the_rounds_feedback_phase() -> None:
    booking = booked(START, zones=("Europe/Paris", "UTC"))
    ada = booking.first.user
    client = signed_in(ada)
    html = page(client, booking, START + dt.timedelta(minutes=39))
    # On Ada's clock (Paris, UTC+1): round 1 began at 16:00, its feedback opens at 16:40.
    assert "Opens at 16:40 on 7 December, 40 minutes into the round" in html
    assert 'name="round"' not in html
    with time_machine.travel(START + dt.timedelta(minutes=39), tick=False):
        refused = client.post(f"/mocks/{booking.pk}/feedback/", answers(1))
    assert refused.status_code == HTTPStatus.BAD_REQUEST
    assert "Feedback opens 40 minutes into the round" in refused.content.decode()
    assert not Feedback.objects.exists()

    html = page(client, booking, START + dt.timedelta(minutes=40))
    # Each axis is a fieldset named by its legend; each score's sentence is its radio's label.
    assert "<legend>Problem framing</legend>" in html
    assert (
        "4: Pinned down every constraint and edge case, and checked them with an example.</label>"
        in html
    )
    assert html.count('type="radio"') == 5 * 4  # round 1 only: round 2's phase has not come
    assert 'value="1"' in html
    assert 'name="round" value="2"' not in html


def test_a_member_scores_the_other_once() -> None:
    booking = booked(START)
    ada, grace = booking.first.user, booking.second.user
    client = signed_in(grace)
    after = START + dt.timedelta(minutes=45)
    with time_machine.travel(after, tick=False):
        sent = client.post(f"/mocks/{booking.pk}/feedback/", answers(1, score=2), follow=True)
    assert "Sent, thank you. Ada sees it once they have sent theirs" in sent.content.decode()
    (made,) = Feedback.objects.all()
    assert (made.round.number, made.author, made.subject) == (1, grace, ada)
    assert made.scores == {axis.key: 2 for axis in TECHNICAL}
    assert (made.went_well, made.work_on) == ("Clear narration.", "Test the empty input.")
    # Sent again (a reload, a second tab): said so, nothing new.
    with time_machine.travel(after, tick=False):
        again = client.post(f"/mocks/{booking.pk}/feedback/", answers(1, score=4), follow=True)
    assert again.status_code == HTTPStatus.OK
    assert "You have already sent your feedback for this round." in again.content.decode()
    assert Feedback.objects.get().scores == {axis.key: 2 for axis in TECHNICAL}
    with pytest.raises(FeedbackRefused, match="already sent"):
        feedback_send(
            author=grace,
            round_id=made.round_id,
            scores=made.scores,
            went_well="",
            work_on="",
            now=after,
        )


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"round-1-score_framing": ""}, "Choose a score for problem framing."),
        ({"round-1-score_framing": "5"}, "Select a valid choice."),
        ({"round-1-score_framing": "two"}, "Select a valid choice."),
        ({"round-1-went_well": "x" * 4001}, "at most 4000 characters"),
        ({"round": "7"}, "Choose the round your feedback is for."),
        ({"round": "abc"}, "Choose the round your feedback is for."),
    ],
)
def test_a_form_with_a_mistake_saves_nothing_and_says_why(change, error) -> None:
    booking = booked(START)
    with time_machine.travel(START + dt.timedelta(hours=2), tick=False):
        answer = signed_in(booking.first.user).post(
            f"/mocks/{booking.pk}/feedback/", {**answers(1), **change}
        )
    assert answer.status_code == HTTPStatus.BAD_REQUEST
    assert error in answer.content.decode()
    assert not Feedback.objects.exists()


def test_what_a_member_received_shows_once_they_sent_theirs() -> None:
    booking = booked(START)
    ada, grace = booking.first.user, booking.second.user
    first = booking.rounds.get(number=1)
    scored(first, grace, 1, went_well="Kept calm.", work_on="Ask about duplicates.")
    ada_client = signed_in(ada)
    later = START + dt.timedelta(hours=3)
    html = page(ada_client, booking, later)
    assert "Grace has sent theirs. You will see it once you send yours" in html
    # 72 hours after round 1 ended (15:45 UTC on the 7th).
    assert "or from 10 December, 15:45 (72 hours after the round)" in html
    assert "Kept calm." not in html
    with time_machine.travel(later, tick=False):
        ada_client.post(f"/mocks/{booking.pk}/feedback/", answers(1))
    html = page(ada_client, booking, later)
    assert "Kept calm." in html
    assert "Ask about duplicates." in html
    assert "<td>1 of 4</td><td>Started coding without restating the problem" in html
    # Round 2: Grace has not scored Ada yet.
    assert "Grace has not sent theirs yet." in html


def test_what_a_member_received_shows_72_hours_after_the_round_anyway() -> None:
    booking = booked(START)
    ada, grace = booking.first.user, booking.second.user
    scored(booking.rounds.get(number=1), grace, 3, went_well="Kept calm.")
    ends = START + dt.timedelta(minutes=45)
    assert "Kept calm." not in page(signed_in(ada), booking, ends + dt.timedelta(hours=71))
    assert "Kept calm." in page(signed_in(ada), booking, ends + dt.timedelta(hours=72))


def test_a_cancelled_mock_takes_no_feedback() -> None:
    booking = booked(START)
    Booking.objects.filter(pk=booking.pk).update(status=Booking.Status.CANCELED)
    client = signed_in(booking.first.user)
    html = page(client, booking, START + dt.timedelta(hours=2))
    assert "This mock was cancelled, so there is no feedback to give." in html
    assert 'type="radio"' not in html
    with time_machine.travel(START + dt.timedelta(hours=2), tick=False):
        answer = client.post(f"/mocks/{booking.pk}/feedback/", answers(1))
    assert answer.status_code == HTTPStatus.BAD_REQUEST
    assert not Feedback.objects.exists()


def test_only_the_two_members_see_the_page_and_never_each_others_email(client: Client) -> None:
    booking = booked(START)
    ada, grace = booking.first.user, booking.second.user
    url = f"/mocks/{booking.pk}/feedback/"
    assert client.get(url).status_code == HTTPStatus.FOUND  # to sign in
    stranger = signed_in(UserFactory())
    assert stranger.get(url).status_code == HTTPStatus.NOT_FOUND
    with time_machine.travel(START + dt.timedelta(hours=2), tick=False):
        assert stranger.post(url, answers(1)).status_code == HTTPStatus.NOT_FOUND
    assert not Feedback.objects.exists()
    html = page(signed_in(ada), booking, START + dt.timedelta(hours=2))
    assert "Grace" in html
    assert grace.email not in html
    # A member with no display name (or one that is an email address) is "Member #<id>".
    grace.name = grace.email
    grace.save()
    html = page(signed_in(ada), booking, START + dt.timedelta(hours=2))
    assert f"Member #{grace.pk}" in html
    assert grace.email not in html


def test_the_weakest_axis_is_the_lowest_mean_of_the_last_three_scored_rounds() -> None:
    ada = UserFactory(name="Ada")
    assert weakest_axis(ada) is None
    scores = [
        # oldest first: the first is left out (not in the last three)
        {"framing": 1, "approach": 4, "correctness": 4, "code-quality": 4, "communication": 4},
        {"framing": 4, "approach": 3, "correctness": 2, "code-quality": 4, "communication": 2},
        {"framing": 4, "approach": 3, "correctness": 3, "code-quality": 4, "communication": 2},
        {"framing": 4, "approach": 3, "correctness": 2, "code-quality": 4, "communication": 3},
    ]
    for n, given in enumerate(scores):
        booking = booked(START + dt.timedelta(days=n), first=ada)
        round_ = booking.rounds.get(number=1)
        scored(round_, booking.second.user, given)
        scored(round_, ada, 3)  # Ada sent hers, so she may see it
    now = START + dt.timedelta(days=10)
    axis = weakest_axis(ada, now)
    assert axis is not None
    # correctness (2, 3, 2) and communication (2, 2, 3) tie: the rubric's order decides.
    assert axis.key == "correctness"


@pytest.mark.django_db(transaction=True)
def test_the_same_feedback_sent_twice_at_once_is_stored_once() -> None:
    from tests.conftest import held_after_query

    booking = booked(START)
    ada = booking.first.user
    first = booking.rounds.get(number=1)
    scores = {axis.key: 3 for axis in TECHNICAL}
    at = START + dt.timedelta(hours=1)

    def send(note: str) -> Feedback:
        return feedback_send(
            author=ada, round_id=first.pk, scores=scores, went_well=note, work_on="", now=at
        )

    # The second send has checked that none was sent, and waits; the first lands meanwhile.
    with (
        pytest.raises(FeedbackRefused, match="already sent"),
        held_after_query(lambda: send("second"), 'FROM "mocks_feedback"'),
    ):
        send("first")
    assert list(Feedback.objects.values_list("went_well", flat=True)) == ["first"]
