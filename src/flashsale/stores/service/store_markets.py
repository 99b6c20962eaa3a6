"""Each store's location and market, as every sale and receipt needs them (the time zone and
currency; the name and address the receipt is headed with), kept for a few seconds.

Read for all locations together (one query, and one per market), at most once a ``ttl``, and by
one caller while the others wait for its answer: read store by store, a chain's tills asked
again and again, and under load every sale in flight while a read was slow read it too
(measured with benchmarks/pos.py, 100 stores: ~1,700 location and market reads for 2,400
sales, a third of the process's CPU). A store's market does not change under its tills; a
renamed zone, store name or address shows within the ``ttl``. A store added since the last
read is read alone.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

from flashsale.catalog.market import Market
from flashsale.inventory.domain.location import Location
from flashsale.kernel.clock import Clock
from flashsale.kernel.errors import NotFound
from flashsale.kernel.single_flight import SingleFlight
from flashsale.stores.service.directory import MarketReader

Where = tuple[Location, Market]  # the store's location and market


class LocationReader(Protocol):
    async def location(self, code: str) -> Location | None: ...

    async def locations(self, market_code: str | None = None) -> list[Location]: ...


class StoreMarkets:
    def __init__(
        self, locations: LocationReader, markets: MarketReader, clock: Clock, ttl: timedelta
    ) -> None:
        self._locations = locations
        self._markets = markets
        self._clock = clock
        self._ttl = ttl
        self._known: dict[str, Where] = {}
        self._read_at: datetime | None = None
        self._reads: SingleFlight[None, None] = SingleFlight()

    async def of(self, store_code: str) -> tuple[str, Market]:
        """The store's time zone and market; ``NotFound`` when there is no such location."""
        location, market = await self.where(store_code)
        return location.timezone, market

    async def where(self, store_code: str) -> Where:
        """The store's location and market; ``NotFound`` when there is no such location."""
        if self._read_at is None or self._clock.now() - self._read_at >= self._ttl:
            await self._reads.do(None, self._read_all)
        found = self._known.get(store_code)
        if found is None:
            found = await self._read_one(store_code)
        return found

    async def _read_all(self) -> None:
        started = self._clock.now()
        found = await self._locations.locations()
        markets: dict[str, Market | None] = {}
        known: dict[str, Where] = {}
        for location in found:
            code = location.market_code
            if code not in markets:
                markets[code] = await self._markets.find_market(code)
            market = markets[code]
            if market is not None:
                known[location.code] = (location, market)
        self._known = known
        self._read_at = started

    async def _read_one(self, store_code: str) -> Where:
        location = await self._locations.location(store_code)
        market = None if location is None else await self._markets.find_market(location.market_code)
        if location is None or market is None:
            raise NotFound(f"no store {store_code[:40]}")
        self._known[store_code] = (location, market)
        return location, market
