"""A store's time zone and market for its tills: read for every store at once, at most once a
ttl, by one caller while the others wait; a store added since is read alone; an unknown one is
404."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from flashsale.catalog.market import Market
from flashsale.inventory.domain.location import Location, LocationKind
from flashsale.kernel.clock import ManualClock
from flashsale.kernel.errors import NotFound
from flashsale.stores.service.store_markets import StoreMarkets

T0 = datetime(2017, 5, 20, 10, tzinfo=UTC)
INDIA = Market("IN", "India", "INR", "en_IN", "Asia/Kolkata")


def store(code: str, zone: str = "Asia/Kolkata") -> Location:
    return Location(code, code, "IN", zone, kind=LocationKind.STORE)


class Record:
    def __init__(self, *found: Location) -> None:
        self.found = {x.code: x for x in found}
        self.reads: list[str] = []
        self.gate = asyncio.Event()
        self.gate.set()

    async def location(self, code: str) -> Location | None:
        self.reads.append(code)
        return self.found.get(code)

    async def locations(self, market_code: str | None = None) -> list[Location]:
        self.reads.append("*")
        await self.gate.wait()
        return list(self.found.values())

    async def find_market(self, code: str) -> Market | None:
        self.reads.append(f"market:{code}")
        return INDIA if code == "IN" else None


async def test_every_store_is_read_at_once_and_by_one_caller() -> None:
    record = Record(store("MH-1"), store("MH-2"))
    markets = StoreMarkets(record, record, ManualClock(T0), timedelta(seconds=5))
    record.gate.clear()
    waiting = [asyncio.create_task(markets.of(code)) for code in ("MH-1", "MH-2", "MH-1")]
    await asyncio.sleep(0)
    record.gate.set()
    assert await asyncio.gather(*waiting) == [("Asia/Kolkata", INDIA)] * 3
    assert record.reads == ["*", "market:IN"]


async def test_a_renamed_zone_shows_after_the_ttl_and_a_new_store_at_once() -> None:
    record = Record(store("MH-1"))
    clock = ManualClock(T0)
    markets = StoreMarkets(record, record, clock, timedelta(seconds=5))
    assert (await markets.of("MH-1"))[0] == "Asia/Kolkata"
    record.found["MH-1"] = store("MH-1", "Asia/Jakarta")
    record.found["MH-9"] = store("MH-9")
    assert (await markets.of("MH-1"))[0] == "Asia/Kolkata"
    assert await markets.of("MH-9") == ("Asia/Kolkata", INDIA)  # read alone
    clock.advance(5)
    assert (await markets.of("MH-1"))[0] == "Asia/Jakarta"
    assert record.reads.count("*") == 2 and "MH-9" in record.reads
    with pytest.raises(NotFound):
        await markets.of("MH-NONE")
