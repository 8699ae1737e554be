"""The shared pad's server side: CodeMirror's ChangeSet JSON applied to the saved text (lengths
in UTF-16, as the browser counts them), and a push taken only at the pad's version, kept as
changes a late client pulls, refused whole when anything in it is wrong."""

from __future__ import annotations

import datetime as dt

import pytest

from mocks import pad
from mocks.models import PadChange, Round
from mocks.pad import (
    MAX_BYTES,
    PadClosed,
    PadRefused,
    Update,
    changes_apply,
    pad_pull,
    pad_push,
    updates_read,
)
from tests.mocks.rooms import book

NOW = dt.datetime(2026, 12, 7, 12, 0, tzinfo=dt.UTC)


def test_numbers_keep_text_and_lists_delete_or_replace_it() -> None:
    assert changes_apply("hello world", [6, [5, "there"]]) == "hello there"
    assert changes_apply("hello world", [5, [6]]) == "hello"
    assert changes_apply("", [[0, "def f():", "    pass"]]) == "def f():\n    pass"
    assert changes_apply("ab", [1, [0, "", ""], 1]) == "a\nb"  # a line break typed


def test_lengths_are_counted_as_the_browser_counts_them() -> None:
    # The emoji is two UTF-16 code units in JavaScript: the browser keeps 3 for "a😀".
    assert changes_apply("a😀b", [3, [1, "c"]]) == "a😀c"
    with pytest.raises(PadRefused, match="splits a character"):
        changes_apply("a😀b", [2, [2]])


@pytest.mark.parametrize(
    "changes",
    [
        [5],  # shorter than the text
        [7],  # longer
        [[7, "x"]],
        "6",
        [True, 5],
        [-1, 7],
        [6, [0, "a\nb"]],  # a line holding a line break
        [6, [0, 3]],
        [6, []],
        [6, [0, "\x00"]],
    ],
)
def test_a_change_that_does_not_fit_the_text_is_refused(changes: object) -> None:
    with pytest.raises(PadRefused):
        changes_apply("abcdef", changes)


def test_updates_must_name_a_client_and_carry_changes() -> None:
    assert updates_read([{"clientID": "c1", "changes": [0]}]) == [Update("c1", [0])]
    for bad in (
        None,
        [],
        [{"changes": [0]}],
        [{"clientID": "", "changes": [0]}],
        ["x"],
        [{"clientID": "a\x00", "changes": [0]}],  # Postgres keeps no NUL in text
        [{"clientID": "\ud83d", "changes": [0]}],  # nor half a character
    ):
        with pytest.raises(PadRefused):
            updates_read(bad)


@pytest.mark.django_db
def test_a_push_at_the_pads_version_is_kept_and_a_stale_one_is_not() -> None:
    booking = book(NOW)
    round_ = booking.rounds.get(number=1)
    first = [Update("ada", [[0, "def solve():"]])]
    assert pad_push(round_id=round_.pk, version=0, updates=first, now=NOW)
    second = [Update("ada", [12, [0, "", "    return 1"]])]
    assert pad_push(round_id=round_.pk, version=1, updates=second, now=NOW)
    # Grace typed at version 0 too: refused, she pulls what she missed.
    assert not pad_push(
        round_id=round_.pk, version=0, updates=[Update("grace", [[0, "x"]])], now=NOW
    )
    round_.refresh_from_db()
    assert (round_.pad_text, round_.pad_version) == ("def solve():\n    return 1", 2)
    assert round_.pad_saved_at == NOW
    assert pad_pull(round_id=round_.pk, version=0) == first + second
    assert pad_pull(round_id=round_.pk, version=1) == second


@pytest.mark.django_db
def test_a_push_with_one_bad_update_keeps_nothing() -> None:
    round_ = book(NOW).rounds.get(number=1)
    updates = [Update("ada", [[0, "ok"]]), Update("ada", [5])]
    with pytest.raises(PadRefused):
        pad_push(round_id=round_.pk, version=0, updates=updates, now=NOW)
    round_.refresh_from_db()
    assert (round_.pad_text, round_.pad_version) == ("", 0)
    assert not PadChange.objects.exists()


@pytest.mark.django_db
def test_a_character_inserted_in_two_halves_is_refused_and_nothing_kept() -> None:
    # The two halves of an emoji make a whole one in the text, but each change is kept as it
    # came, and Postgres refuses half a character: the push is refused whole, not a crash.
    round_ = book(NOW).rounds.get(number=1)
    halves = [Update("ada", [[0, "\ud83d"], [0, "\ude00"]])]
    with pytest.raises(PadRefused, match="splits a character"):
        pad_push(round_id=round_.pk, version=0, updates=halves, now=NOW)
    round_.refresh_from_db()
    assert (round_.pad_text, round_.pad_version) == ("", 0)
    assert not PadChange.objects.exists()


@pytest.mark.django_db
def test_the_pad_holds_up_to_its_size() -> None:
    round_ = book(NOW).rounds.get(number=1)
    big = [Update("ada", [[0, "x" * (MAX_BYTES + 1)]])]
    with pytest.raises(PadRefused, match="100 KB"):
        pad_push(round_id=round_.pk, version=0, updates=big, now=NOW)
    assert Round.objects.get(pk=round_.pk).pad_text == ""


@pytest.mark.django_db
def test_a_round_keeps_edits_up_to_its_budget_then_the_pad_is_read_only(monkeypatch) -> None:
    """Typing a block in and out again, over and over, stays within the text's size but not
    within what a round may store: past the budget nothing more is kept."""
    monkeypatch.setattr(pad, "MAX_HISTORY_BYTES", 50_000)
    round_ = book(NOW).rounds.get(number=1)
    block = "x" * 10_000

    def push(version: int) -> bool:
        typed = [[0, block]] if version % 2 == 0 else [[10_000]]
        return pad_push(
            round_id=round_.pk, version=version, updates=[Update("ada", typed)], now=NOW
        )

    version = 0
    while version < 8:
        assert push(version)
        version += 1
    with pytest.raises(PadClosed, match="all the edits it can keep"):
        push(version)
    # Four blocks typed and deleted are kept (a deletion is a few bytes); the fifth block would
    # take the round past 50 KB.
    kept = Round.objects.get(pk=round_.pk)
    assert (kept.pad_version, kept.pad_text) == (8, "")
    assert PadChange.objects.filter(round=round_).count() == 8


@pytest.mark.django_db
def test_the_pad_closes_half_an_hour_after_the_mock_and_when_it_is_canceled() -> None:
    booking = book(NOW)
    round_ = booking.rounds.get(number=2)
    edit = [Update("grace", [[0, "notes"]])]
    late = booking.ends_at + dt.timedelta(minutes=29)
    assert pad_push(round_id=round_.pk, version=0, updates=edit, now=late)
    with pytest.raises(PadClosed):
        pad_push(round_id=round_.pk, version=1, updates=edit, now=late + dt.timedelta(minutes=2))
    booking.status = booking.Status.CANCELED
    booking.save(update_fields=["status"])
    with pytest.raises(PadClosed):
        pad_push(round_id=round_.pk, version=1, updates=edit, now=NOW)
