"""A sale's timetable stays within [2000, 2100]; a stored sale outside it still loads."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest

from flashsale.kernel.errors import InvalidInput
from flashsale.sales.adapters.local_gate import LocalStockGate
from flashsale.sales.domain.sale import EARLIEST_MOMENT, LATEST_MOMENT, moment_in_range
from flashsale.sales.service.sale_directory import SaleDirectory
from flashsale.sales.service.sales import SaleEdit
from tests.unit.conftest import World, sale_spec

YEAR_ONE = datetime(1, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("moment", "inside"),
    [
        (EARLIEST_MOMENT, True),
        (LATEST_MOMENT, True),
        (EARLIEST_MOMENT - timedelta(microseconds=1), False),
        (LATEST_MOMENT + timedelta(microseconds=1), False),
        # Converting these to UTC overflows; comparing them must not.
        (datetime(1, 1, 1, 0, 30, tzinfo=timezone(timedelta(hours=1))), False),
        (datetime(9999, 12, 31, 23, 30, tzinfo=timezone(timedelta(hours=-1))), False),
    ],
)
def test_moments_in_range(moment: datetime, inside: bool) -> None:
    assert moment_in_range(moment) is inside


@pytest.mark.parametrize(
    "overrides",
    [
        {"registration_opens_at": datetime(1999, 12, 31, 23, 59, tzinfo=UTC)},
        {"closes_at": datetime(2100, 1, 1, 0, 0, 1, tzinfo=UTC)},
        {
            "registration_opens_at": YEAR_ONE,
            "registration_closes_at": YEAR_ONE + timedelta(seconds=5),
            "opens_at": YEAR_ONE + timedelta(seconds=10),
            "closes_at": YEAR_ONE + timedelta(hours=1),
        },
    ],
)
async def test_a_sale_outside_the_bounds_is_refused_and_not_stored(
    world: World, overrides: dict[str, datetime]
) -> None:
    before = await world.store.sales()
    with pytest.raises(InvalidInput, match="must lie between"):
        await world.shop.sales.create(sale_spec(**overrides))
    assert await world.store.sales() == before


async def test_an_edit_outside_the_bounds_is_refused(world: World) -> None:
    with pytest.raises(InvalidInput, match="closes_at must lie between"):
        await world.shop.sales.edit(
            world.sale.id, SaleEdit(closes_at=datetime(9999, 12, 31, tzinfo=UTC))
        )
    assert await world.store.sale(world.sale.id) == world.sale


async def test_a_stored_sale_in_year_one_loads_and_shows(world: World) -> None:
    old = replace(
        world.sale,
        id="sale_year_one",
        registration_opens_at=YEAR_ONE,
        registration_closes_at=YEAR_ONE + timedelta(seconds=5),
        opens_at=YEAR_ONE + timedelta(seconds=10),
        closes_at=YEAR_ONE + timedelta(hours=1),
    )
    await world.store.add_sale(old)
    world.shop.directory.forget()
    assert await world.shop.directory.load_all() == 2
    assert (await world.shop.sales.view(old.id)).state.value == "closed"


async def test_load_all_skips_a_sale_that_does_not_load_and_loads_the_rest(
    world: World, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    broken = await world.shop.sales.create(sale_spec())
    held_by_customer = world.store.held_by_customer

    async def failing(sale_id: str) -> dict[str, int]:
        if sale_id == broken.id:
            raise ValueError("a row this version cannot read")
        return await held_by_customer(sale_id)

    monkeypatch.setattr(world.store, "held_by_customer", failing)
    restarted = SaleDirectory(world.store, LocalStockGate(), world.clock)  # an empty gate
    with caplog.at_level(logging.ERROR, logger="flashsale.sales.service.sale_directory"):
        assert await restarted.load_all() == 1
    assert restarted.ready(world.sale.id) == world.sale
    assert restarted.ready(broken.id) is None
    assert f"sale {broken.id} could not be loaded" in caplog.text
