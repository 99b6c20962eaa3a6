"""The RoomRepository contract: what every record (memory, SQLite, PostgreSQL) must do alike."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from flashsale.kernel.errors import InvalidInput
from flashsale.orders.domain.order import OrderStatus
from flashsale.record.store import Store
from flashsale.waiting_room.domain import fairness
from flashsale.waiting_room.domain.room import RoomConfig, RoomSettings
from tests.contract.record_world import T0, order, world


def room_config(sale_id: str = "sale_band", **settings: Any) -> RoomConfig:
    seed = bytes(range(32))
    return RoomConfig(sale_id, RoomSettings(**settings), seed, fairness.commitment(seed), T0)


async def test_a_room_round_trips_and_keeps_its_seed_when_stored_again(store: Store) -> None:
    await world(store)
    assert await store.room("sale_band") is None and await store.rooms() == []
    room = room_config(pow_difficulty=4, registrations_per_address=3, shuffle_pre_queue=False)
    await store.put_room(room)
    assert await store.room("sale_band") == room
    other_seed = replace(room_config(admission_rate_per_second=7.5), seed=b"x" * 32)
    await store.put_room(other_seed)
    stored = await store.room("sale_band")
    assert stored is not None and stored.seed == room.seed
    assert stored.settings.admission_rate_per_second == 7.5
    assert await store.rooms() == [stored]


async def test_the_queue_is_published_once(store: Store) -> None:
    await world(store)
    await store.put_room(room_config())
    assert await store.queue_positions("sale_band") == []
    assert await store.publish_queue("sale_band", ["cus_2", "cus_1"], T0)
    assert not await store.publish_queue("sale_band", ["cus_1", "cus_2"], T0)
    assert await store.queue_positions("sale_band") == [("cus_2", 1), ("cus_1", 2)]
    room = await store.room("sale_band")
    assert room is not None and room.sealed_at == T0
    with pytest.raises(InvalidInput):
        await store.publish_queue("sale_nope", ["cus_1"], T0)


async def test_registered_among_and_units_reserved(store: Store) -> None:
    await world(store)
    await store.add_registrations("sale_band", ["cus_1", "cus_3"], T0)
    assert await store.registered_among("sale_band", ["cus_1", "cus_2", "cus_3"]) == {
        "cus_1",
        "cus_3",
    }
    assert await store.units_reserved("sale_band") == 0
    await store.insert_orders(
        [
            order("ord_1", 1, quantity=2),
            order("ord_2", 3),
            order("ord_3", 2, status=OrderStatus.PAID),
        ]
    )
    assert await store.units_reserved("sale_band") == 3
