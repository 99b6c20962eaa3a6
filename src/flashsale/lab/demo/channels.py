"""The demo's channels: the site itself (``WEB``) and the partners Xiaomi sold a million phones
through in two days (Amazon India and Flipkart, September 2017), each with rupee prices and a
pool of bands and power banks committed at the Bengaluru DC.

Idempotent like the other seeds: a channel, price or pool already there is left as it is.
"""

from __future__ import annotations

from collections.abc import Mapping

from flashsale.catalog.service import Catalog
from flashsale.channels.domain.channel import ChannelKind
from flashsale.channels.domain.pool import PoolTarget
from flashsale.channels.service.assembly import Channels
from flashsale.fulfilment.service.assembly import Fulfilment

DC = "DC-BLR"
PARTNERS = (("AMAZON_IN", "Amazon India", 5), ("FLIPKART", "Flipkart", 5))
PRICES: Mapping[str, Mapping[str, str]] = {
    "AMAZON_IN": {"MIBAND2-BLK": "999.00", "MIPB-10000-SLV": "1099.00"},
    "FLIPKART": {"MIBAND2-BLK": "999.00", "MIPB-10000-SLV": "1049.00"},
}
POOLS: Mapping[str, int] = {"MIBAND2-BLK": 1_000, "MIPB-10000-SLV": 300}


async def seed_channels(
    catalog: Catalog, fulfilment: Fulfilment, channels: Channels
) -> tuple[int, int]:
    """Returns (channels added, units pooled)."""
    known = {c.code for c in await channels.book.all()}
    added = 0
    if "WEB" not in known:
        await channels.book.ensure_web("IN")
        added += 1
    pooled = 0
    for code, name, buffer in PARTNERS:
        if code not in known:
            await channels.book.add(code, ChannelKind.MARKETPLACE, "IN", name, buffer)
            added += 1
        listed = {p.sku for p in await channels.book.prices(code)}
        prices = [
            (sku, amount)
            for sku, amount in PRICES[code].items()
            if sku not in listed and await catalog.variant(sku) is not None
        ]
        if prices:
            await channels.book.put_prices(code, prices)
        _, pools = await channels.pools.of(code)
        have = {(p.location, p.sku) for p in pools}
        targets = []
        for sku, units in POOLS.items():
            free = (await fulfilment.stock.level(DC, sku)).free
            if (DC, sku) not in have and free > 0 and await catalog.variant(sku) is not None:
                targets.append(PoolTarget(DC, sku, min(units, free // 4)))
        if targets:
            await channels.pools.put(code, targets)
            pooled += sum(t.units for t in targets)
    return added, pooled
