"""Editing a sale before it opens, with two API processes sharing one Redis gate and PostgreSQL:
the gate's terms change for both at once, and the other process's cached sale within seconds."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from flashsale.sales.errors import LimitReached, SaleNotOpenYet, SoldOut
from flashsale.sales.service.sale_directory import REFRESH_SECONDS
from flashsale.sales.service.sales import SaleEdit
from tests.integration.test_scaleout_shop import (
    OPENS,
    Engines,
    assert_clean,
    engines,
    fans,
    open_sale,
)

pytestmark = pytest.mark.redis
__all__ = ["engines"]  # the fixture, used by name


async def test_an_edit_reaches_every_process_before_the_opening(
    engines: Engines, monkeypatch: pytest.MonkeyPatch
) -> None:
    editor, other = await engines.shop(), await engines.shop()
    sale = await open_sale(engines, editor, stock=10, limit=2)
    buyers = await fans(other, sale, 3)
    assert (await other.sales.view(sale.id)).sale.stock_total == 10  # cached by the other process

    later = OPENS + timedelta(minutes=10)
    await editor.sales.edit(sale.id, SaleEdit(stock=2, per_customer_limit=1, opens_at=later))
    assert await other.gate.stock_left(sale.id) == 2  # one gate for both: reloaded once
    aged = time.monotonic() + REFRESH_SECONDS
    monkeypatch.setattr(time, "monotonic", lambda: aged)
    assert (await other.sales.view(sale.id)).sale.opens_at == later

    engines.clock.set(OPENS)
    with pytest.raises(SaleNotOpenYet):
        await other.purchasing.purchase(buyers[0], sale.id, 1)
    engines.clock.set(later)
    with pytest.raises(LimitReached):
        await other.purchasing.purchase(buyers[0], sale.id, 2)
    await other.purchasing.purchase(buyers[0], sale.id, 1)  # registered before the edit
    await editor.purchasing.purchase(buyers[1], sale.id, 1)
    with pytest.raises(SoldOut):
        await other.purchasing.purchase(buyers[2], sale.id, 1)
    await assert_clean(other, sale)
