"""Registrations that arrive together are stored together: one transaction, not one each."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime
from unittest import mock

from flashsale.record.memory_store import MemoryStore
from tests.unit.conftest import REGISTRATION_OPENS, World, quick_customer


async def test_a_crowd_registering_at_once_is_stored_in_a_few_transactions(world: World) -> None:
    crowd = [quick_customer(1000 + n) for n in range(300)]
    await world.store.add_customers(crowd)
    world.at(REGISTRATION_OPENS)
    calls: list[int] = []
    original = MemoryStore.add_registrations

    async def counting(
        self: MemoryStore, sale_id: str, customer_ids: Sequence[str], at: datetime
    ) -> int:
        calls.append(len(customer_ids))
        await asyncio.sleep(0.001)  # a real commit takes a moment; arrivals queue meanwhile
        return await original(self, sale_id, customer_ids, at)

    with mock.patch.object(MemoryStore, "add_registrations", counting):
        answers = await asyncio.gather(
            *(world.shop.sales.register(world.sale.id, c.id) for c in crowd)
        )

    assert answers == [True] * len(crowd)
    assert sum(calls) == len(crowd)
    assert len(calls) <= 3, calls
    assert set(await world.store.registered_customers(world.sale.id)) >= {c.id for c in crowd}
    # The gate learned every one of them: they can all buy.
    world.at(world.sale.opens_at)
    bought = await asyncio.gather(
        *(world.shop.purchasing.purchase(c.id, world.sale.id, 1) for c in crowd[:5])
    )
    assert len({b.order.id for b in bought}) == 5


async def test_a_double_click_on_register_is_new_once(world: World) -> None:
    fan = quick_customer(7)
    await world.store.add_customers([fan])
    world.at(REGISTRATION_OPENS)
    answers = await asyncio.gather(
        *(world.shop.sales.register(world.sale.id, fan.id) for _ in range(4))
    )
    assert sorted(answers) == [False, False, False, True]
    assert await world.shop.sales.register(world.sale.id, fan.id) is False
