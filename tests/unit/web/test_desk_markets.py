"""The desk pages' markets: read once, kept a while, read again after."""

from __future__ import annotations

from typing import cast

from flashsale.catalog.market import Market
from flashsale.catalog.service import Catalog
from flashsale.web.desk_markets import Markets

CHINA = Market("CN", "China", "CNY", "zh_CN", "Asia/Shanghai")


class CountingCatalog:
    def __init__(self) -> None:
        self.reads = 0

    async def market(self, code: str) -> Market:
        self.reads += 1
        return CHINA


async def test_a_market_is_kept_then_read_again() -> None:
    catalog = CountingCatalog()
    kept = Markets(cast(Catalog, catalog), kept_seconds=60)
    assert await kept.of(["CN", "CN"]) == {"CN": CHINA}
    assert await kept.one("CN") is CHINA and catalog.reads == 1
    fresh = Markets(cast(Catalog, catalog), kept_seconds=0)
    await fresh.one("CN")
    await fresh.one("CN")
    assert catalog.reads == 3
