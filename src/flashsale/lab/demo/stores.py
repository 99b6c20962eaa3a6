"""The demo's stores: Mi Home Bengaluru (its opening day took Rs 5 crore and drew 10,000 fans),
an Authorized Mi Store in Maroussi, Athens, and a Mi Store in Jakarta; each with bands and
power banks on its shelf.

They have no clerks: a clerk is a person with a password, added with ``flashsale staff add
--role clerk`` and then to the store (``PUT /api/v1/admin/stores/{code}/clerks``).
"""

from __future__ import annotations

from collections.abc import Mapping

from flashsale.catalog.service import Catalog
from flashsale.fulfilment.service.assembly import Fulfilment
from flashsale.inventory.domain.stock import MoveKind
from flashsale.stores.service.assembly import Stores
from flashsale.stores.service.directory import StoreSpec

WEEK = dict.fromkeys(("mon", "tue", "wed", "thu", "fri", "sat"), "10:00-21:00")
DEMO_STORES = (
    StoreSpec(
        "MH-BLR",
        "Mi Home Bengaluru",
        "IN",
        "Phoenix Marketcity, Whitefield Road, Mahadevapura, Bengaluru 560048",
        {**WEEK, "sun": "11:00-21:00"},
        latitude=12.997,
        longitude=77.696,
    ),
    StoreSpec(
        "AMS-MAROUSSI",
        "Authorized Mi Store Maroussi",
        "GR",
        "Leof. Kifisias 37A, Marousi 151 23",
        {**WEEK, "sat": "10:00-18:00"},
        pickup_days=5,
        latitude=38.050,
        longitude=23.805,
    ),
    StoreSpec(
        "MS-JKT",
        "Mi Store Jakarta",
        "ID",
        "Mall Taman Anggrek, Jl. Letjen S. Parman, Jakarta Barat",
        {**WEEK, "sun": "10:00-22:00"},
        latitude=-6.178,
        longitude=106.792,
    ),
)
SHELVES: Mapping[str, Mapping[str, int]] = {
    "MH-BLR": {"MIBAND2-BLK": 200, "MIPB-10000-SLV": 80},
    "AMS-MAROUSSI": {"MIBAND2-BLK": 40, "MIPB-10000-SLV": 20},
    "MS-JKT": {"MIBAND2-BLK": 60, "MIPB-10000-SLV": 30},
}


async def seed_stores(catalog: Catalog, fulfilment: Fulfilment, stores: Stores) -> tuple[int, int]:
    """Add the stores not there yet (where their market is), and top each shelf up to its
    units (so a second run changes nothing). Returns (stores added, units received)."""
    known = {store.code for store in await stores.directory.all()}
    added = 0
    for spec in DEMO_STORES:
        if spec.code not in known and await catalog.find_market(spec.market) is not None:
            await stores.directory.add(spec)
            added += 1
    received = 0
    for store in await stores.directory.all():
        for sku, units in SHELVES.get(store.code, {}).items():
            if await catalog.variant(sku) is None:
                continue
            missing = units - (await fulfilment.stock.level(store.code, sku)).on_hand
            if missing > 0:
                await fulfilment.stock.move(
                    store.code, sku, MoveKind.RECEIPT, missing, "demo shelf", "demo"
                )
                received += missing
    return added, received
