"""The in-process stock gate: atomic batches, limits, give-backs and rebuilding from facts."""

from __future__ import annotations

import pytest

from flashsale.sales.adapters.local_gate import LocalStockGate
from flashsale.sales.domain.purchase import PurchaseRequest
from flashsale.sales.errors import (
    InsufficientStock,
    LimitReached,
    NotRegistered,
    SaleClosed,
    SaleNotOpenYet,
    SoldOut,
)
from tests.gate_helpers import give_back_now, take
from tests.unit.conftest import CLOSES, ONE_MICROSECOND, OPENS, make_sale

SALE = make_sale(stock_total=5, per_customer_limit=2)


def _buy(customer: str, quantity: int = 1) -> PurchaseRequest:
    return PurchaseRequest(SALE.id, customer, quantity)


@pytest.fixture
async def gate() -> LocalStockGate:
    loaded = LocalStockGate()
    await loaded.load(SALE, {}, ["a", "b", "c", "d"])
    return loaded


async def test_an_unloaded_sale_has_no_stock_figure() -> None:
    gate = LocalStockGate()
    assert not await gate.is_loaded(SALE.id)
    assert await gate.stock_left(SALE.id) is None


async def test_load_counts_stock_from_what_customers_hold(gate: LocalStockGate) -> None:
    await gate.load(SALE, {"a": 2, "b": 1, "c": 0}, ["a", "b"])
    assert await gate.is_loaded(SALE.id)
    assert await gate.stock_left(SALE.id) == 2
    refusals = await take(gate, [_buy("a"), _buy("b")], OPENS)
    assert [r.error if r else None for r in refusals] == [LimitReached, None]


async def test_load_replaces_what_the_gate_held(gate: LocalStockGate) -> None:
    await take(gate, [_buy("a", 2)], OPENS)
    await gate.load(SALE, {}, ["a"])
    assert await gate.stock_left(SALE.id) == 5
    (refusal,) = await take(gate, [_buy("b")], OPENS)
    assert refusal is not None
    assert refusal.error is NotRegistered


async def test_a_batch_is_decided_in_order_against_the_running_stock(gate: LocalStockGate) -> None:
    refusals = await take(
        gate, [_buy("a", 2), _buy("b", 2), _buy("c", 2), _buy("d", 1), _buy("d", 1)], OPENS
    )
    errors = [r.error if r else None for r in refusals]
    assert errors == [None, None, InsufficientStock, None, SoldOut]
    assert await gate.stock_left(SALE.id) == 0


async def test_the_limit_holds_across_batches(gate: LocalStockGate) -> None:
    assert await take(gate, [_buy("a")], OPENS) == [None]
    assert await take(gate, [_buy("a")], OPENS) == [None]
    (refusal,) = await take(gate, [_buy("a")], OPENS)
    assert refusal is not None
    assert refusal.error is LimitReached
    assert await gate.stock_left(SALE.id) == 3


async def test_refusals_take_nothing(gate: LocalStockGate) -> None:
    refusals = await take(gate, [_buy("stranger"), _buy("a", 3)], OPENS)
    assert [r.error if r else None for r in refusals] == [NotRegistered, LimitReached]
    assert await gate.stock_left(SALE.id) == 5


async def test_the_clock_decides_opening_and_closing(gate: LocalStockGate) -> None:
    early, late = await take(gate, [_buy("a"), _buy("a")], OPENS - ONE_MICROSECOND), None
    assert early[0] is not None
    assert early[0].error is SaleNotOpenYet
    (late,) = await take(gate, [_buy("a")], CLOSES)
    assert late is not None
    assert late.error is SaleClosed


async def test_registering_lets_a_customer_buy_and_twice_is_harmless(gate: LocalStockGate) -> None:
    await gate.register(SALE.id, ["e", "e"])
    await gate.register(SALE.id, ["e"])
    assert await take(gate, [_buy("e", 2)], OPENS) == [None]


async def test_give_back_returns_units_and_frees_the_limit(gate: LocalStockGate) -> None:
    await take(gate, [_buy("a", 2)], OPENS)
    await give_back_now(gate, [_buy("a", 1)])
    assert await gate.stock_left(SALE.id) == 4
    assert await take(gate, [_buy("a", 1)], OPENS) == [None]


async def test_give_back_never_returns_more_than_the_customer_holds(gate: LocalStockGate) -> None:
    await take(gate, [_buy("a", 1)], OPENS)
    await give_back_now(gate, [_buy("a", 2), _buy("b", 1)])
    assert await gate.stock_left(SALE.id) == 5


async def test_give_back_for_an_unloaded_sale_is_ignored() -> None:
    gate = LocalStockGate()
    await give_back_now(gate, [_buy("a")])
    assert await gate.stock_left(SALE.id) is None


async def test_close_forgets_every_sale(gate: LocalStockGate) -> None:
    await gate.close()
    assert not await gate.is_loaded(SALE.id)
