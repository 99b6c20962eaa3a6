"""Closing a sale early: the gate refuses from that moment, the record and every process's copy
follow, and a sale closed before its opening never opens."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import pytest

from flashsale.kernel.errors import NotFound
from flashsale.orders.domain.order import OrderStatus
from flashsale.sales.domain.closing import closed_early
from flashsale.sales.domain.sale import SaleState
from flashsale.sales.errors import RegistrationClosed, SaleClosed, SaleNotEditable
from flashsale.sales.service.sale_directory import REFRESH_SECONDS, SaleDirectory
from flashsale.sales.service.sales import SaleEdit
from tests.unit.conftest import (
    CLOSES,
    OPENS,
    REGISTRATION_CLOSES,
    REGISTRATION_OPENS,
    T0,
    World,
    make_sale,
)

DURING = OPENS + timedelta(minutes=10)


def test_closing_early_moves_only_the_close_of_an_open_sale() -> None:
    sale = make_sale()
    closed = closed_early(sale, DURING)
    assert closed.closes_at == DURING
    assert (closed.opens_at, closed.registration_closes_at) == (OPENS, REGISTRATION_CLOSES)
    assert closed.state_at(DURING, 5) is SaleState.CLOSED
    assert closed_early(sale, CLOSES + timedelta(hours=1)) is sale  # never later


@pytest.mark.parametrize("at", [T0, REGISTRATION_OPENS + timedelta(minutes=1), OPENS])
def test_a_sale_closed_before_it_opens_never_opens(at: object) -> None:
    closed = closed_early(make_sale(), at)  # type: ignore[arg-type]
    assert closed.closes_at == at
    assert closed.opens_at < closed.closes_at  # a valid timetable (FlashSale checks it)
    assert not closed.accepts_registration_at(at)  # type: ignore[arg-type]
    assert closed.state_at(at, 10) is SaleState.CLOSED  # type: ignore[arg-type]


async def test_a_closed_sale_admits_no_purchase_and_keeps_its_reservations(world: World) -> None:
    buyer, late = await world.customer(), await world.customer()
    world.at(DURING)
    bought = await world.shop.purchasing.purchase(buyer, world.sale.id, 1)
    await world.shop.purchasing.drain()
    world.at(DURING + timedelta(seconds=1))
    closing = await world.shop.sales.close(world.sale.id)
    assert closing.closed_now
    assert closing.sale.closes_at == DURING + timedelta(seconds=1)
    with pytest.raises(SaleClosed):
        await world.shop.purchasing.purchase(late, world.sale.id, 1)
    stored = await world.store.sale(world.sale.id)
    assert stored is not None and stored.closes_at == closing.sale.closes_at
    assert (await world.shop.sales.view(world.sale.id)).state is SaleState.CLOSED
    order = await world.shop.orders.get(buyer, bought.order.id)
    assert order.status is OrderStatus.RESERVED  # still its time to pay
    assert order.expires_at == bought.order.expires_at
    await world.assert_clean()


async def test_closing_twice_changes_nothing(world: World) -> None:
    world.at(DURING)
    first = await world.shop.sales.close(world.sale.id)
    world.at(DURING + timedelta(minutes=1))
    again = await world.shop.sales.close(world.sale.id)
    assert not again.closed_now
    assert again.sale == first.sale


async def test_a_sale_past_its_close_is_closed_already(world: World) -> None:
    world.at(CLOSES + timedelta(minutes=1))
    closing = await world.shop.sales.close(world.sale.id)
    assert not closing.closed_now
    assert closing.sale.closes_at == CLOSES


async def test_a_sale_closed_before_its_opening_never_opens(world: World) -> None:
    fan = await world.customer()
    world.at(REGISTRATION_OPENS + timedelta(minutes=5))
    await world.shop.sales.close(world.sale.id)
    world.at(OPENS + timedelta(seconds=1))
    with pytest.raises(SaleClosed):
        await world.shop.purchasing.purchase(fan, world.sale.id, 1)
    other = await world.customer(register=False)
    with pytest.raises(RegistrationClosed):
        await world.shop.sales.register(world.sale.id, other)
    world.at(REGISTRATION_OPENS + timedelta(minutes=6))
    with pytest.raises(SaleNotEditable):  # closed is final
        await world.shop.sales.edit(world.sale.id, SaleEdit(stock=3))


async def test_an_unknown_sale_cannot_be_closed(world: World) -> None:
    with pytest.raises(NotFound):
        await world.shop.sales.close("sale_nope")


async def test_another_process_learns_the_close_within_its_refresh(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two directories over one store and gate: two API processes sharing Redis. The other one
    kept its copy for good at the opening; it is re-read in the background, not on the path."""
    other = SaleDirectory(world.store, world.shop.gate, world.clock)
    world.at(DURING)
    kept = await other.get(world.sale.id)
    await world.shop.sales.close(world.sale.id)
    assert other.ready(world.sale.id) == kept  # within the refresh, the copy answers
    later = time.monotonic() + REFRESH_SECONDS
    monkeypatch.setattr(time, "monotonic", lambda: later)
    assert other.ready(world.sale.id) == kept  # answered at once; the re-read is under way
    for _ in range(10):
        await asyncio.sleep(0)
    copy = other.ready(world.sale.id)
    assert copy is not None and copy.closes_at == DURING


async def test_a_reread_that_finds_a_close_mends_a_gate_that_missed_it(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The record closed, the gate not (its write was lost): the next re-read closes it."""
    world.at(DURING)
    fan = await world.customer()
    other = SaleDirectory(world.store, world.shop.gate, world.clock)
    await other.get(world.sale.id)
    await world.store.replace_sale(closed_early(world.sale, DURING))
    later = time.monotonic() + REFRESH_SECONDS
    monkeypatch.setattr(time, "monotonic", lambda: later)
    other.ready(world.sale.id)
    for _ in range(10):
        await asyncio.sleep(0)
    with pytest.raises(SaleClosed):
        await world.shop.purchasing.purchase(fan, world.sale.id, 1)
