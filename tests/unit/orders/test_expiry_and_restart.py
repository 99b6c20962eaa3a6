"""Unpaid reservations return exactly once; a restart rebuilds the gate and sells nothing twice."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import pytest

from flashsale.orders.adapters.sandbox_payments import CARD_SUCCEEDS
from flashsale.orders.domain.order import Order, OrderStatus
from flashsale.orders.service.expiry import ExpirySweeper
from flashsale.sales.errors import LimitReached, NotRegistered, SoldOut
from tests.unit.conftest import ONE_MICROSECOND, OPENS, PAYMENT_WINDOW, World, build_world

EXPIRES = OPENS + PAYMENT_WINDOW


async def test_nothing_expires_before_the_window_passes(world: World) -> None:
    buyer = await world.customer()
    world.at(OPENS)
    await world.shop.purchasing.purchase(buyer, world.sale.id, 2)
    world.at(EXPIRES - ONE_MICROSECOND)
    assert await world.shop.expiry.sweep() == 0
    assert await world.stock_left() == 8


async def test_a_sweep_returns_unpaid_units_exactly_once(world: World) -> None:
    payer, idler = await world.customer(), await world.customer()
    world.at(OPENS)
    paid = (await world.shop.purchasing.purchase(payer, world.sale.id, 1)).order
    unpaid = (await world.shop.purchasing.purchase(idler, world.sale.id, 2)).order
    await world.shop.orders.pay(payer, paid.id, CARD_SUCCEEDS)
    world.at(EXPIRES)
    assert await world.shop.expiry.sweep() == 1
    assert await world.shop.expiry.sweep() == 0
    expired = await world.store.order(unpaid.id)
    assert expired is not None
    assert (expired.status, expired.closed_at) == (OrderStatus.EXPIRED, EXPIRES)
    assert await world.stock_left() == 9
    await world.assert_clean()


async def test_two_sweepers_over_one_record_return_each_unit_once(world: World) -> None:
    buyers = [await world.customer() for _ in range(3)]
    world.at(OPENS)
    for buyer in buyers:
        await world.shop.purchasing.purchase(buyer, world.sale.id, 2)
    world.at(EXPIRES)
    other = ExpirySweeper(world.store, world.shop.gate, world.clock, world.shop.metrics)
    assert await world.shop.expiry.sweep() + await other.sweep() == 3
    assert await world.stock_left() == 10
    await world.assert_clean()


async def test_a_sweep_works_through_more_than_one_batch(world: World) -> None:
    buyers = [await world.customer() for _ in range(5)]
    world.at(OPENS)
    for buyer in buyers:
        await world.shop.purchasing.purchase(buyer, world.sale.id, 1)
    world.at(EXPIRES)
    small = ExpirySweeper(world.store, world.shop.gate, world.clock, world.shop.metrics, batch=2)
    assert await small.sweep() == 5
    assert await world.stock_left() == 10


async def test_expired_units_are_sold_again() -> None:
    world = await build_world(stock=2, limit=2)
    first, second = await world.customer(), await world.customer()
    world.at(OPENS)
    await world.shop.purchasing.purchase(first, world.sale.id, 2)
    with pytest.raises(SoldOut):
        await world.shop.purchasing.purchase(second, world.sale.id, 1)
    world.at(EXPIRES)
    await world.shop.expiry.sweep()
    again = await world.shop.purchasing.purchase(second, world.sale.id, 2)
    assert again.order.status is OrderStatus.RESERVED
    # the first buyer's limit was freed too, but the units are gone
    with pytest.raises(SoldOut):
        await world.shop.purchasing.purchase(first, world.sale.id, 1)
    await world.assert_clean()


async def test_a_restart_rebuilds_stock_limits_and_registrations(world: World) -> None:
    holder, payer, waiting = [await world.customer() for _ in range(3)]
    stranger = await world.customer(register=False)
    world.at(OPENS)
    await world.shop.purchasing.purchase(holder, world.sale.id, 2)
    paid = (await world.shop.purchasing.purchase(payer, world.sale.id, 1)).order
    await world.shop.orders.pay(payer, paid.id, CARD_SUCCEEDS)
    cancelled = (await world.shop.purchasing.purchase(waiting, world.sale.id, 2)).order
    await world.shop.orders.cancel(waiting, cancelled.id)

    shop = await world.restart()
    assert await world.stock_left() is None  # the fresh gate learns a sale when first asked
    assert await shop.directory.load_all() == 1
    assert await world.stock_left() == 7
    with pytest.raises(LimitReached):
        await shop.purchasing.purchase(holder, world.sale.id, 1)
    with pytest.raises(NotRegistered):
        await shop.purchasing.purchase(stranger, world.sale.id, 1)
    await shop.purchasing.purchase(waiting, world.sale.id, 2)
    await world.assert_clean()


async def test_a_restarted_shop_loads_a_sale_lazily_on_first_purchase(world: World) -> None:
    buyer = await world.customer()
    world.at(OPENS)
    await world.shop.purchasing.purchase(buyer, world.sale.id, 1, "k")
    shop = await world.restart()
    replay = await shop.purchasing.purchase(buyer, world.sale.id, 1, "k")
    assert replay.replayed
    await shop.purchasing.purchase(buyer, world.sale.id, 1)
    with pytest.raises(LimitReached):
        await shop.purchasing.purchase(buyer, world.sale.id, 1)
    assert await world.stock_left() == 8


async def test_a_restart_sells_nothing_twice() -> None:
    world = await build_world(stock=5, limit=2)
    buyers = [await world.customer() for _ in range(5)]
    world.at(OPENS)
    for buyer in buyers[:2]:
        await world.shop.purchasing.purchase(buyer, world.sale.id, 2)
    shop = await world.restart()
    await shop.purchasing.purchase(buyers[2], world.sale.id, 1)
    for buyer in buyers[3:]:
        with pytest.raises(SoldOut):
            await shop.purchasing.purchase(buyer, world.sale.id, 1)
    assert sum((await world.store.held_by_customer(world.sale.id)).values()) == 5
    await world.assert_clean()


async def test_expiry_on_a_restarted_shop_before_the_gate_loads_loses_nothing(
    world: World,
) -> None:
    buyer = await world.customer()
    world.at(OPENS)
    await world.shop.purchasing.purchase(buyer, world.sale.id, 2)
    shop = await world.restart()
    world.at(EXPIRES)
    assert await shop.expiry.sweep() == 1  # the gate of this process has not met the sale yet
    await shop.directory.load_all()
    assert await world.stock_left() == 10
    await shop.purchasing.purchase(buyer, world.sale.id, 2)
    await world.assert_clean()


async def test_an_expiry_with_a_rebuild_in_between_cannot_oversell(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The idler holds two orders of one unit; the first expires. Right after the store closes
    # it, and before its unit goes back, the gate is rebuilt from the store (an operator's
    # `gate rebuild`, or a process rebuilding a flushed Redis): the rebuild counts that unit
    # free already. Given back on top, it would be sold twice and free the idler's limit.
    world = await build_world(stock=3, limit=2)
    idler, *others = [await world.customer() for _ in range(3)]
    world.at(OPENS)
    await world.shop.purchasing.purchase(idler, world.sale.id, 1)
    world.at(OPENS + timedelta(minutes=1))
    await world.shop.purchasing.purchase(idler, world.sale.id, 1)
    close_orders = world.store.close_orders

    async def close_then_rebuild(
        order_ids: Sequence[str], to: OrderStatus, at: datetime
    ) -> list[Order]:
        closed = await close_orders(order_ids, to, at)
        await world.shop.directory.rebuild_gate(world.sale)
        return closed

    monkeypatch.setattr(world.store, "close_orders", close_then_rebuild)
    world.at(EXPIRES)  # the first order's window has passed, the second's has not
    try:
        assert await world.shop.expiry.sweep() == 1
        assert await world.stock_left() == 2
        for buyer in others:
            await world.shop.purchasing.purchase(buyer, world.sale.id, 1)
        with pytest.raises(SoldOut):
            await world.shop.purchasing.purchase(idler, world.sale.id, 1)
        assert sum((await world.store.held_by_customer(world.sale.id)).values()) == 3
        await world.assert_clean()
    finally:
        await world.shop.aclose()


async def test_a_cancel_with_a_rebuild_in_between_cannot_oversell(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # As the expiry above, for an order the customer cancels.
    world = await build_world(stock=3, limit=2)
    canceller, *others = [await world.customer() for _ in range(3)]
    world.at(OPENS)
    cancelled = await world.shop.purchasing.purchase(canceller, world.sale.id, 1)
    await world.shop.purchasing.purchase(canceller, world.sale.id, 1)
    close_orders = world.store.close_orders

    async def close_then_rebuild(
        order_ids: Sequence[str], to: OrderStatus, at: datetime
    ) -> list[Order]:
        closed = await close_orders(order_ids, to, at)
        await world.shop.directory.rebuild_gate(world.sale)
        return closed

    monkeypatch.setattr(world.store, "close_orders", close_then_rebuild)
    try:
        await world.shop.orders.cancel(canceller, cancelled.order.id)
        assert await world.stock_left() == 2
        for buyer in others:
            await world.shop.purchasing.purchase(buyer, world.sale.id, 1)
        with pytest.raises(SoldOut):
            await world.shop.purchasing.purchase(canceller, world.sale.id, 1)
        await world.assert_clean()
    finally:
        await world.shop.aclose()
