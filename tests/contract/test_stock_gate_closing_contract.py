"""Closing a sale early, on every stock gate: from the close on, every purchase is refused as
closed (before its opening too), the close never moves later, and a gate that does not hold
the sale says so without making it up."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from flashsale.sales.adapters.local_gate import LocalStockGate
from flashsale.sales.domain.purchase import PurchaseRequest
from flashsale.sales.errors import SaleClosed
from tests.contract.conftest import GATE_ADAPTERS, open_contract_gate
from tests.contract.test_stock_gate_contract import (
    CLOSES,
    DURING,
    MICROSECOND,
    OPENS,
    REGISTRATION_CLOSES,
    Harness,
)
from tests.gate_helpers import take


@pytest.fixture(params=GATE_ADAPTERS)
async def harness(request: pytest.FixtureRequest) -> AsyncIterator[Harness]:
    if request.param == "local":
        made = Harness(LocalStockGate(), None)
    else:
        gate, url = await open_contract_gate(request.param, request)
        made = Harness(gate, None if request.param.startswith("cluster") else url)
    try:
        yield made
    finally:
        await made.cleanup()


async def test_from_the_close_on_every_purchase_is_refused_as_closed(harness: Harness) -> None:
    sale = await harness.loaded()
    at = DURING + timedelta(seconds=5)
    assert await harness.gate.close_sale(sale.id, at) == at
    before, after = (
        await take(
            harness.gate,
            [PurchaseRequest(sale.id, "alice", 1), PurchaseRequest(sale.id, "bob", 1)],
            at - MICROSECOND,
        ),
        await take(harness.gate, [PurchaseRequest(sale.id, "carol", 1)], at),
    )
    assert before == [None, None]  # stamped before the close: taken
    assert after[0] is not None and after[0].error is SaleClosed
    assert await harness.gate.stock_left(sale.id) == 8


async def test_a_close_never_moves_later(harness: Harness) -> None:
    sale = await harness.loaded()
    assert await harness.gate.close_sale(sale.id, DURING) == DURING
    assert await harness.gate.close_sale(sale.id, DURING + timedelta(minutes=1)) == DURING
    assert await harness.gate.close_sale(sale.id, CLOSES + timedelta(hours=1)) == DURING
    (refused,) = await take(harness.gate, [PurchaseRequest(sale.id, "alice", 1)], DURING)
    assert refused is not None and refused.error is SaleClosed


async def test_a_sale_closed_before_its_opening_is_refused_as_closed(harness: Harness) -> None:
    sale = await harness.loaded()
    at = REGISTRATION_CLOSES
    closes = await harness.gate.close_sale(sale.id, at)
    assert closes == at
    for moment in (at, OPENS, DURING):
        (refused,) = await take(harness.gate, [PurchaseRequest(sale.id, "alice", 1)], moment)
        assert refused is not None and refused.error is SaleClosed, moment
    assert await harness.gate.stock_left(sale.id) == 10


async def test_a_gate_without_the_sale_answers_none_and_makes_nothing(harness: Harness) -> None:
    sale = harness.sale()
    assert await harness.gate.close_sale(sale.id, DURING) is None
    assert not await harness.gate.is_loaded(sale.id)
