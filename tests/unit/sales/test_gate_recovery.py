"""A gate that holds a sale is left alone; a gate that lost one is rebuilt, once, exactly."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping, Sequence

import pytest

from flashsale.bootstrap import build_shop
from flashsale.kernel.clock import ManualClock
from flashsale.orders.adapters.sandbox_payments import SandboxPaymentGateway
from flashsale.orders.domain.order import Order
from flashsale.orders.domain.placement import Placement
from flashsale.record.memory_store import MemoryStore
from flashsale.sales.adapters.local_gate import LocalStockGate
from flashsale.sales.domain.purchase import PurchaseRequest, Refusal
from flashsale.sales.domain.sale import FlashSale
from flashsale.sales.errors import SoldOut
from flashsale.sales.ports import GateNotLoaded
from flashsale.sales.service.sale_directory import SaleDirectory
from tests.conftest import fast_settings
from tests.gate_helpers import take
from tests.unit.conftest import (
    OPENS,
    T0,
    World,
    make_order,
    make_sale,
    sale_spec,
    stock_catalogue,
)


class CountingGate(LocalStockGate):
    """Counts the loads that replaced or installed a sale."""

    def __init__(self) -> None:
        super().__init__()
        self.installs = 0

    async def load(
        self, sale: FlashSale, held_by_customer: Mapping[str, int], registered: Iterable[str]
    ) -> None:
        self.installs += 1
        await super().load(sale, held_by_customer, registered)


class SlowStore(MemoryStore):
    """Holds every commit until ``release`` is set, as a slow database would."""

    def __init__(self) -> None:
        super().__init__()
        self.release = asyncio.Event()
        self.committing = asyncio.Event()

    async def insert_orders(self, orders: Sequence[Order]) -> Placement:
        self.committing.set()
        await self.release.wait()
        return await super().insert_orders(orders)


async def stored_sale(store: MemoryStore, held: int) -> FlashSale:
    sale = make_sale(stock_total=10)
    await store.add_sale(sale)
    await store.add_registrations(sale.id, ["cus_1", "cus_2"], OPENS)
    if held:
        await store.insert_orders([make_order(customer_id="cus_1", quantity=held)])
    return sale


async def test_meeting_a_sale_loads_its_gate_from_the_store() -> None:
    store, gate = MemoryStore(), LocalStockGate()
    sale = await stored_sale(store, held=2)

    await SaleDirectory(store, gate).get(sale.id)

    assert await gate.stock_left(sale.id) == 8


async def test_meeting_a_sale_leaves_a_gate_that_holds_it_alone() -> None:
    # Another process took 3 units it has not stored yet: the store knows 2, the gate 5.
    store, gate = MemoryStore(), LocalStockGate()
    sale = await stored_sale(store, held=2)
    await gate.load(sale, {"cus_1": 2, "cus_2": 3}, ["cus_1", "cus_2"])

    await SaleDirectory(store, gate).get(sale.id)

    assert await gate.stock_left(sale.id) == 5


async def test_recover_leaves_a_loaded_gate_alone_without_settling() -> None:
    store, gate = MemoryStore(), LocalStockGate()
    sale = await stored_sale(store, held=2)
    await gate.load(sale, {"cus_1": 2, "cus_2": 3}, ["cus_1", "cus_2"])
    settled: list[str] = []

    async def settle() -> None:
        settled.append("settled")

    assert not await SaleDirectory(store, gate).recover(sale, settle)

    assert await gate.stock_left(sale.id) == 5
    assert settled == []


async def test_recover_rebuilds_a_lost_gate_from_the_store_after_settling() -> None:
    store, gate = MemoryStore(), LocalStockGate()
    sale = await stored_sale(store, held=2)
    directory = SaleDirectory(store, gate)
    await directory.get(sale.id)
    await gate.close()  # the gate forgets every sale, as a flushed Redis does

    async def settle() -> None:
        # The purchase that was in flight reaches the store before the rebuild reads it.
        await store.insert_orders([make_order(id="ord_2", customer_id="cus_2")])

    assert await directory.recover(sale, settle)

    assert await gate.stock_left(sale.id) == 7
    assert await take(gate, [PurchaseRequest(sale.id, "cus_2", 2)], OPENS) != [None]
    assert await take(gate, [PurchaseRequest(sale.id, "cus_2", 1)], OPENS) == [None]


async def test_rebuild_gate_replaces_what_the_gate_held() -> None:
    store, gate = MemoryStore(), LocalStockGate()
    sale = await stored_sale(store, held=2)
    await gate.load(sale, {"cus_1": 2, "cus_2": 3}, ["cus_1", "cus_2"])

    await SaleDirectory(store, gate).rebuild_gate(sale)

    assert await gate.stock_left(sale.id) == 8


async def test_the_local_gate_reports_a_sale_it_does_not_hold() -> None:
    gate = LocalStockGate()
    sale = make_sale(stock_total=1)
    await gate.load(sale, {}, ["cus_1", "cus_2"])
    missing = make_sale(id="sale_missing")
    requests = [
        PurchaseRequest(sale.id, "cus_1", 1),
        PurchaseRequest(missing.id, "cus_1", 1),
        PurchaseRequest(sale.id, "cus_2", 1),
    ]

    taken, lost, refused = await gate.take_stamped(requests, OPENS)

    assert isinstance(taken, int)
    assert isinstance(lost, GateNotLoaded) and lost.sale_id == missing.id
    assert isinstance(refused, Refusal) and refused.error is SoldOut
    assert await gate.stock_left(sale.id) == 0


async def world_with(store: MemoryStore, gate: LocalStockGate) -> World:
    """A shop over the store and gate under test, with a sale of 3 units, 1 per customer."""
    clock, gateway = ManualClock(T0), SandboxPaymentGateway()
    shop = await build_shop(fast_settings(), clock=clock, store=store, gate=gate, gateway=gateway)
    await stock_catalogue(shop)
    sale = await shop.sales.create(sale_spec(stock=3, per_customer_limit=1))
    return World(shop=shop, clock=clock, store=store, gateway=gateway, sale=sale)


async def test_a_purchase_on_a_lost_gate_rebuilds_it_once_and_buys() -> None:
    gate = CountingGate()
    world = await world_with(MemoryStore(), gate)
    try:
        buyers = [await world.customer() for _ in range(3)]
        world.at(OPENS)
        await world.shop.purchasing.purchase(buyers[0], world.sale.id, 1)
        installs = gate.installs
        await gate.close()

        bought = await asyncio.gather(
            *(world.shop.purchasing.purchase(b, world.sale.id, 1) for b in buyers[1:])
        )

        assert [r.order.customer_id for r in bought] == buyers[1:]
        assert gate.installs == installs + 1
        assert await world.stock_left() == 0
        await world.assert_clean()
    finally:
        await world.shop.aclose()


async def test_the_rebuild_waits_for_units_the_lost_gate_let_through() -> None:
    # Stock 3: two sold and stored, a third taken and still committing when the gate is lost.
    # Rebuilt before that commit, the gate would count 1 left and sell the third unit twice.
    store = SlowStore()
    world = await world_with(store, LocalStockGate())
    try:
        buyers = [await world.customer() for _ in range(4)]
        world.at(OPENS)
        store.release.set()
        for buyer in buyers[:2]:
            await world.shop.purchasing.purchase(buyer, world.sale.id, 1)
        store.release.clear()
        store.committing.clear()
        third = asyncio.ensure_future(world.shop.purchasing.purchase(buyers[2], world.sale.id, 1))
        await store.committing.wait()
        await world.shop.gate.close()

        fourth = asyncio.ensure_future(world.shop.purchasing.purchase(buyers[3], world.sale.id, 1))
        await asyncio.sleep(0.01)
        assert not fourth.done(), "the rebuild must wait for the commit in flight"
        store.release.set()

        assert (await third).order.customer_id == buyers[2]
        with pytest.raises(SoldOut):
            await fourth
        assert await world.stock_left() == 0
        await world.assert_clean()
    finally:
        store.release.set()
        await world.shop.aclose()
