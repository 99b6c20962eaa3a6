"""The tills' price list reads each SKU once while many sales ask for it at once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from flashsale.catalog.model import Variant
from flashsale.kernel.clock import ManualClock
from flashsale.kernel.money import Money
from flashsale.stores.service.prices import CatalogPriceList

BAND = Variant("MIBAND2", "prod_band", {}, {"IN": Money.of("999.00", "INR")})


class SlowCatalog:
    def __init__(self) -> None:
        self.reads = 0
        self.release = asyncio.Event()

    async def variant(self, sku: str) -> Variant | None:
        self.reads += 1
        await self.release.wait()
        return BAND if sku == BAND.sku else None


async def test_sales_in_flight_wait_for_one_read_of_a_sku() -> None:
    catalog = SlowCatalog()
    clock = ManualClock(datetime(2015, 4, 8, 2, tzinfo=UTC))
    prices = CatalogPriceList(catalog, clock)
    asking = [asyncio.create_task(prices.prices("MH-BLR", "IN", ["MIBAND2"])) for _ in range(50)]
    await asyncio.sleep(0)
    catalog.release.set()
    answers = await asyncio.gather(*asking)
    assert catalog.reads == 1
    assert all(a == {"MIBAND2": Money.of("999.00", "INR")} for a in answers)


async def test_a_caller_that_gives_up_leaves_the_read_to_the_others() -> None:
    catalog = SlowCatalog()
    clock = ManualClock(datetime(2015, 4, 8, 2, tzinfo=UTC))
    prices = CatalogPriceList(catalog, clock)
    impatient = asyncio.create_task(prices.prices("MH-BLR", "IN", ["MIBAND2"]))
    patient = asyncio.create_task(prices.prices("MH-BLR", "IN", ["MIBAND2"]))
    await asyncio.sleep(0)
    impatient.cancel()
    catalog.release.set()
    assert await patient == {"MIBAND2": Money.of("999.00", "INR")}
    assert catalog.reads == 1


async def test_a_sku_is_read_again_once_its_price_is_older_than_the_ttl() -> None:
    catalog = SlowCatalog()
    catalog.release.set()
    clock = ManualClock(datetime(2015, 4, 8, 2, tzinfo=UTC))
    prices = CatalogPriceList(catalog, clock, ttl=timedelta(seconds=1))
    await prices.prices("MH-BLR", "IN", ["MIBAND2", "NOPE"])
    await prices.prices("MH-BLR", "IN", ["MIBAND2", "NOPE"])
    assert catalog.reads == 2  # each SKU once, the unknown one too
    clock.advance(1)
    await prices.prices("MH-BLR", "IN", ["MIBAND2"])
    assert catalog.reads == 3
