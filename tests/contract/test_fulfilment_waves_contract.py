"""The WaveRepository contract (memory, SQLite, PostgreSQL): a cut takes the oldest paid
allocated orders of its location to picking, within the hour's capacity; two cuts at once
never take the same order nor spend the same capacity twice."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from flashsale.fulfilment.domain.order import FulfilmentStatus
from flashsale.record.store import Store
from tests.contract.record_world import T0
from tests.contract.test_fulfilment_repository_contract import (
    PAID_AT,
    paid_orders,
    plan_for,
    stocked,
)
from tests.contract.test_inventory_repository_contract import SKU

AT = PAID_AT + timedelta(minutes=5)


async def allocated(store: Store, ids: list[str]) -> None:
    await stocked(store, units=20)
    await paid_orders(store, ids)
    assert await store.write_allocation("allocator:IN", None, None, plan_for(ids), "b1")


async def test_a_cut_takes_allocated_orders_to_picking_within_the_hour(store: Store) -> None:
    await allocated(store, ["ord_a", "ord_b", "ord_c"])
    wave = await store.cut_wave("wav_1", "DC-BLR", 2, None, AT, "staff:1")
    assert wave is not None
    assert [fo.status for fo in wave.orders] == [FulfilmentStatus.PICKING] * 2
    assert (wave.location, wave.cut_at, wave.cut_by) == ("DC-BLR", AT, "staff:1")
    assert await store.wave("wav_1") == wave
    assert await store.wave_of(wave.orders[0].id) == "wav_1"
    # The hour's capacity (2) is spent; elsewhere there is nothing to take.
    assert await store.cut_wave("wav_2", "DC-BLR", 2, None, AT, "staff:1") is None
    assert await store.cut_wave("wav_2", "DC-GGN", 2, None, AT, "staff:1") is None
    later = await store.cut_wave("wav_3", "DC-BLR", 2, 5, AT + timedelta(hours=1), "staff:1")
    assert later is not None and len(later.orders) == 1
    assert [w.id for w in await store.waves("DC-BLR")] == ["wav_3", "wav_1"]
    assert await store.wave("wav_nope") is None
    picking = await store.fulfilment_orders(FulfilmentStatus.PICKING)
    assert len(picking) == 3
    assert await store.open_allocations() == {("DC-BLR", SKU): 3}


async def test_two_cuts_at_once_never_take_the_same_order(store: Store) -> None:
    ids = [f"ord_{c}" for c in "abcdefgh"]
    await allocated(store, ids)
    for round_ in range(4):
        at = AT + timedelta(hours=round_ * 2)
        cuts = await asyncio.gather(
            *(
                store.cut_wave(f"wav_{round_}_{n}", "DC-BLR", 3, None, at, "staff:1")
                for n in range(2)
            )
        )
        taken = [fo.id for wave in cuts if wave is not None for fo in wave.orders]
        assert len(taken) == len(set(taken))
        assert len(taken) <= 3  # one hour's capacity, whoever cut first
    picking = await store.fulfilment_orders(FulfilmentStatus.PICKING, limit=100)
    assert len(picking) == len(ids)
    assert T0 < AT
