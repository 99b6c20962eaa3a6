"""Markets as the desk's pages read them: kept a minute, since the queue and the thread re-read
themselves every few seconds on every open page, and a market (its zone, its locale) changes
once in a long while. A minute after an edit every page shows it."""

from __future__ import annotations

import time
from collections.abc import Iterable

from flashsale.catalog.market import Market
from flashsale.catalog.service import Catalog

KEPT_SECONDS = 60.0


class Markets:
    def __init__(self, catalog: Catalog, kept_seconds: float = KEPT_SECONDS) -> None:
        self._catalog = catalog
        self._kept = kept_seconds
        self._held: dict[str, tuple[float, Market]] = {}

    async def one(self, code: str) -> Market:
        held = self._held.get(code)
        if held is not None and time.monotonic() - held[0] < self._kept:
            return held[1]
        market = await self._catalog.market(code)  # NotFound for a code no longer known
        self._held[code] = (time.monotonic(), market)
        return market

    async def of(self, codes: Iterable[str]) -> dict[str, Market]:
        return {code: await self.one(code) for code in sorted(set(codes))}
