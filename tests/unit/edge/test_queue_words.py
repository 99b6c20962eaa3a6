"""The waiting-room panel's words: the fan's number in line, not the room's running position."""

from __future__ import annotations

import pytest

from flashsale.waiting_room.domain.room import QueueState, QueueView
from flashsale.web.room_panel import PLACE_DRAWN, queue_words


def view(state: QueueState, position: int | None, ahead: int | None, **kw: object) -> QueueView:
    values: dict[str, object] = {
        "estimated_wait_seconds": None,
        "chance": None,
        "admitted_until_ms": None,
        "stock_left": 10,
        "units_may_return": 0,
    }
    values.update(kw)
    return QueueView(state, position, ahead, **values)  # type: ignore[arg-type]


def test_the_place_is_the_fans_ahead_plus_one_whatever_the_running_position() -> None:
    # Position 2 with one fan already let in: nobody is ahead, so this fan is next.
    words = queue_words(view(QueueState.WAITING, 2, 0, estimated_wait_seconds=0.2, chance=1.0))
    assert (words.number, words.line) == ("1", "You are number 1 in line: you are let in next.")
    assert (words.wait, words.chance) == ("less than a second", "about 100%")
    words = queue_words(view(QueueState.WAITING, 7, 1, estimated_wait_seconds=2.0, chance=0.5))
    assert words.line == "You are number 2 in line; 1 ahead of you."
    assert (words.wait, words.chance) == ("about 2 seconds", "about 50%")
    big = queue_words(view(QueueState.SOLD_OUT, 20_000, 12_344, estimated_wait_seconds=600.0))
    assert big.line == "You are number 12,345 in line; 12,344 ahead of you."
    assert big.wait == "about 10 minutes"


@pytest.mark.parametrize("state", [QueueState.ADMITTED, QueueState.USED, QueueState.CLOSED])
def test_no_place_is_said_once_the_line_is_behind_the_fan(state: QueueState) -> None:
    assert queue_words(view(state, 3, 0)).line == ""


def test_before_the_opening_the_place_is_drawn() -> None:
    words = queue_words(view(QueueState.PRE_QUEUE, None, None, chance=0.25))
    assert words.number == PLACE_DRAWN and "random draw" in words.line
    assert words.chance == "about 25%"
