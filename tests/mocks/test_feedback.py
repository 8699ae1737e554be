"""Feedback after a mock (/mocks/<id>/feedback/), through the test client on real Postgres and
Redis: in each round its interviewer scores its candidate, from the round's feedback phase;
once; never for a cancelled mock; the candidate has no form for that round (they score their
partner in the other round); and what a member received as candidate shows only after they
sent theirs for the mock, or 72 hours after their round as candidate."""

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
from .rooms import book

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
    booking = booked(START, zones=("UTC", "Europe/Paris"))
    grace = booking.second.user  # round 1's interviewer
    client = signed_in(grace)
    html = page(client, booking, START + dt.timedelta(minutes=39))
    # On Grace's clock (Paris, UTC+1): round 1 began at 16:00, its feedback opens at 16:40.
    assert "Opens at 16:40 on 7 December, 40 minutes into the round" in html
    assert 'name="round"' not in html
    with time_machine.travel(START + dt.timedelta(minutes=39), tick=False):
        refused = client.post(f"/mocks/{booking.pk}/feedback/", answers(1))
    assert refused.status_code == HTTPStatus.BAD_REQUEST
    assert "Feedback opens 40 minutes into the round" in refused.content.decode()
    assert not Feedback.objects.exists()

    html = page(client, booking, START + dt.timedelta(minutes=40))
    assert "Score how Ada did as the candidate." in html
    # Each axis is a fieldset named by its legend; each score's sentence is its radio's label.
    assert "<legend>Problem framing</legend>" in html
    assert (
        "4: Pinned down every constraint and edge case, and checked them with an example.</label>"
        in html
    )
    assert html.count('type="radio"') == 5 * 4  # round 1 only: Grace is round 2's candidate
    assert 'value="1"' in html
    assert 'name="round" value="2"' not in html


def test_the_candidate_of_a_round_has_no_form_for_it_and_a_post_anyway_is_refused() -> None:
    booking = booked(START)
    ada = booking.first.user  # round 1's candidate, round 2's interviewer
    client = signed_in(ada)
    at = START + dt.timedelta(hours=2)  # both rounds' feedback phases have come
    html = page(client, booking, at)
    assert "Round 1: you were the candidate" in html
    assert "Round 2: you were the interviewer" in html
    assert 'name="round" value="1"' not in html
    assert 'name="round" value="2"' in html
    assert html.count('type="radio"') == 5 * 4  # round 2's form only
    # Round 1 says what Ada will receive, and when it shows (round 1 ended at 15:45 UTC).
    assert (
        "Grace has not sent theirs yet. You will see it once you have sent yours for round 2, "
        "or from 10 December, 15:45 (72 hours after this round)"
    ) in html
    with time_machine.travel(at, tick=False):
        refused = client.post(f"/mocks/{booking.pk}/feedback/", answers(1))
    assert refused.status_code == HTTPStatus.BAD_REQUEST
    assert (
        "You were the candidate in round 1: your partner scores you for it. You score them for "
        "round 2, where you interview."
    ) in refused.content.decode()
    assert not Feedback.objects.exists()
    with pytest.raises(FeedbackRefused, match="You were the candidate in round 1"):
        feedback_send(
            author=ada,
            round_id=booking.rounds.get(number=1).pk,
            scores={axis.key: 3 for axis in TECHNICAL},
            went_well="",
            work_on="",
            now=at,
        )
    assert not Feedback.objects.exists()


def test_a_member_scores_the_other_once() -> None:
    booking = booked(START)
    ada, grace = booking.first.user, booking.second.user
    client = signed_in(grace)
    after = START + dt.timedelta(minutes=45)
    with time_machine.travel(after, tick=False):
        sent = client.post(f"/mocks/{booking.pk}/feedback/", answers(1, score=2), follow=True)
    assert (
        "Sent, thank you. Ada sees it once they have sent theirs for round 2, or 72 hours after "
        "this round."
    ) in sent.content.decode()
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
        answer = signed_in(booking.second.user).post(  # round 1's interviewer
            f"/mocks/{booking.pk}/feedback/", {**answers(1), **change}
        )
    assert answer.status_code == HTTPStatus.BAD_REQUEST
    assert error in answer.content.decode()
    assert not Feedback.objects.exists()


def test_what_a_member_received_shows_once_they_sent_theirs_for_the_other_round() -> None:
    booking = booked(START)
    ada, grace = booking.first.user, booking.second.user
    scored(booking.rounds.get(number=1), 1, went_well="Kept calm.", work_on="Ask about dupes.")
    ada_client, grace_client = signed_in(ada), signed_in(grace)
    later = START + dt.timedelta(hours=3)
    html = page(ada_client, booking, later)
    # 72 hours after round 1 (Ada's as candidate) ended, 15:45 UTC on the 7th.
    assert (
        "Grace has sent theirs. You will see it once you send yours for round 2, or from "
        "10 December, 15:45 (72 hours after this round), whichever comes first."
    ) in html
    assert "Kept calm." not in html
    # Grace sent hers, so what Ada sends her shows as soon as it comes.
    html = page(grace_client, booking, later)
    assert "Ada has not sent theirs yet.</p>" in html
    with time_machine.travel(later, tick=False):
        sent = ada_client.post(f"/mocks/{booking.pk}/feedback/", answers(2, score=4), follow=True)
    html = sent.content.decode()
    assert "Sent, thank you. Grace has sent theirs, so they can read it now." in html
    assert "Kept calm." in html
    assert "Ask about dupes." in html
    assert "<td>1 of 4</td><td>Started coding without restating the problem" in html
    assert "You sent it on 7 December, 18:00." in html
    html = page(grace_client, booking, later)
    assert "<td>4 of 4</td><td>Pinned down every constraint" in html
    assert "Clear narration." in html


def test_what_a_member_received_shows_72_hours_after_the_round_anyway() -> None:
    booking = booked(START)
    ada = booking.first.user
    scored(booking.rounds.get(number=1), 3, went_well="Kept calm.")  # Grace on Ada
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
    assert "This mock was cancelled: there is no feedback to give." in answer.content.decode()
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
        scored(booking.rounds.get(number=1), given)  # on Ada, the candidate
        scored(booking.rounds.get(number=2), 1)  # Ada's on her partner: she may see hers
    now = START + dt.timedelta(days=10)
    axis = weakest_axis(ada, now)
    assert axis is not None
    # correctness (2, 3, 2) and communication (2, 2, 3) tie: the rubric's order decides. The 1s
    # Ada gave as interviewer are her partners' scores, not hers.
    assert axis.key == "correctness"


@pytest.mark.django_db(transaction=True)
def test_the_same_feedback_sent_twice_at_once_is_stored_once() -> None:
    from tests.conftest import held_after_query

    booking = booked(START)
    ada = booking.first.user
    second = booking.rounds.get(number=2)  # Ada interviews
    scores = {axis.key: 3 for axis in TECHNICAL}
    at = START + dt.timedelta(hours=2)

    def send(note: str) -> Feedback:
        return feedback_send(
            author=ada, round_id=second.pk, scores=scores, went_well=note, work_on="", now=at
        )

    # The second send has checked that none was sent, and waits; the first lands meanwhile.
    with (
        pytest.raises(FeedbackRefused, match="already sent"),
        held_after_query(lambda: send("second"), 'FROM "mocks_feedback"'),
    ):
        send("first")
    assert list(Feedback.objects.values_list("went_well", flat=True)) == ["first"]


def test_the_candidate_learns_the_rounds_problem_only_when_it_is_stated() -> None:
    # As in the room: the feedback and history pages name round 1's problem to Ada, its
    # candidate, only from 05:00 into the round; Grace, who states it, sees it from the start.
    booking = book(START)
    problem = booking.rounds.get(number=1).problem
    assert problem is not None
    ada, grace = signed_in(booking.first.user), signed_in(booking.second.user)
    for at in (START - dt.timedelta(days=1), START + dt.timedelta(minutes=4)):
        assert problem.title not in page(ada, booking, at)
        with time_machine.travel(at, tick=False):
            assert problem.title not in ada.get("/mocks/history/").content.decode()
        assert problem.title in page(grace, booking, at)
    stated = START + dt.timedelta(minutes=5)
    assert problem.title in page(ada, booking, stated)
    with time_machine.travel(stated, tick=False):
        assert problem.title in ada.get("/mocks/history/").content.decode()
