"""The RelayCursorRepository contract: each relay's cursor by name, moved only by compare-and-set,
so two processes of one relay never move it back nor both forward from one place (memory,
SQLite, PostgreSQL)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from flashsale.record.store import Store
from tests.contract.record_world import T0


async def test_a_relay_without_a_cursor_has_none_until_its_first_is_stored(store: Store) -> None:
    assert await store.relay_cursor("warehouse") is None
    assert await store.move_relay_cursor("warehouse", None, "0-0", T0)
    assert await store.relay_cursor("warehouse") == "0-0"
    # A second first cursor is another process beginning the same relay: refused.
    assert not await store.move_relay_cursor("warehouse", None, "0-9", T0)
    assert await store.relay_cursor("warehouse") == "0-0"


async def test_the_cursor_moves_only_from_where_the_mover_read_it(store: Store) -> None:
    await store.move_relay_cursor("warehouse", None, "0-0", T0)
    assert await store.move_relay_cursor("warehouse", "0-0", "0-500", T0 + timedelta(seconds=1))
    assert not await store.move_relay_cursor("warehouse", "0-0", "0-500", T0)  # stale
    assert not await store.move_relay_cursor("warehouse", "0-0", "0-1000", T0)
    assert await store.relay_cursor("warehouse") == "0-500"
    assert await store.move_relay_cursor("warehouse", "0-500", "741-1000", T0)
    assert await store.relay_cursor("warehouse") == "741-1000"


async def test_relays_keep_their_cursors_apart(store: Store) -> None:
    long_name = "nats://broker.internal:4222/" + "x" * 150
    await store.move_relay_cursor("warehouse", None, "0-10", T0)
    await store.move_relay_cursor(long_name, None, "0-20", T0)
    assert await store.move_relay_cursor("warehouse", "0-10", "0-11", T0)
    assert await store.relay_cursor(long_name) == "0-20"
    assert await store.relay_cursor("warehouse") == "0-11"
    assert await store.relay_cursor("pipeline") is None


async def test_of_movers_racing_from_one_cursor_exactly_one_wins(store: Store) -> None:
    await store.move_relay_cursor("warehouse", None, "0-0", T0)
    moved = await asyncio.gather(
        *(store.move_relay_cursor("warehouse", "0-0", f"0-{n}", T0) for n in range(1, 9))
    )
    assert sum(moved) == 1
    assert await store.relay_cursor("warehouse") == f"0-{moved.index(True) + 1}"
    firsts = await asyncio.gather(
        *(store.move_relay_cursor("pipeline", None, f"0-{n}", T0) for n in range(1, 9))
    )
    assert sum(firsts) == 1
