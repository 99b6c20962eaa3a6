"""The stores' price list, from the catalog for now: a SKU's price in the store's market.

Channels (issue 19's other half) bring per-channel price lists; a store's channel price then
wins over the catalog's, behind this same ``PriceList`` port, without the point of sale
changing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Protocol

from flashsale.catalog.model import Variant
from flashsale.kernel.clock import Clock
from flashsale.kernel.money import Money
from flashsale.kernel.single_flight import SingleFlight

PRICE_TTL = timedelta(seconds=1)
MAX_KNOWN = 10_000


class VariantReader(Protocol):
    """``Catalog``: a variant by SKU."""

    async def variant(self, sku: str) -> Variant | None: ...


class CatalogPriceList:
    """Each variant is read at most once a ``ttl`` per process (a till's cart and sale ask the
    same few SKUs again and again): a price changed in the catalog reaches the tills within it,
    as a disabled staff member's session ends within the staff directory's cache. One read of
    a SKU at a time: the sales in flight while it is slow wait for its answer rather than each
    reading it again (under load they did: benchmarks/pos.py)."""

    def __init__(self, catalog: VariantReader, clock: Clock, ttl: timedelta = PRICE_TTL) -> None:
        self._catalog = catalog
        self._clock = clock
        self._ttl = ttl
        self._known: dict[str, tuple[Variant | None, datetime]] = {}
        self._reads: SingleFlight[str, Variant | None] = SingleFlight()

    async def _variant(self, sku: str) -> Variant | None:
        known = self._known.get(sku)
        if known is not None and self._clock.now() - known[1] < self._ttl:
            return known[0]
        return await self._reads.do(sku, lambda: self._read(sku))

    async def _read(self, sku: str) -> Variant | None:
        now = self._clock.now()
        variant = await self._catalog.variant(sku)
        if len(self._known) >= MAX_KNOWN:
            self._known.clear()  # unknown SKUs typed at a till must not grow it for ever
        self._known[sku] = (variant, now)
        return variant

    async def prices(
        self, store_code: str, market_code: str, skus: Sequence[str]
    ) -> dict[str, Money]:
        found: dict[str, Money] = {}
        for sku in skus:
            variant = await self._variant(sku)
            price = None if variant is None else variant.price_in(market_code)
            if price is not None:
                found[sku] = price
        return found
