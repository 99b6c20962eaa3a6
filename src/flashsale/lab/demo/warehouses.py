"""The demo's distribution centres: 12 in China ranking its 31 provinces, Bengaluru and Gurugram
in India, Jakarta in Indonesia; and receipts covering the demo's sales.

Each Chinese DC ranks its own provinces 1 and its neighbours' 2, so that every province has a
first-choice DC and a fallback before the market's ranked list.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import time

from flashsale.catalog.service import Catalog
from flashsale.fulfilment.service.assembly import Fulfilment
from flashsale.inventory.domain.location import Location, LocationKind, ranked_regions
from flashsale.inventory.domain.stock import MoveKind
from flashsale.sales.domain.sale import FlashSale

# code, city, (lat, lon), rank-1 provinces, rank-2 provinces
_CHINA: tuple[tuple[str, str, tuple[float, float], str, str], ...] = (
    ("DC-BJ", "Beijing", (39.90, 116.41), "BJ TJ HE", "SX NM LN SD"),
    ("DC-SY", "Shenyang", (41.80, 123.43), "LN JL HL", "NM BJ"),
    ("DC-JN", "Jinan", (36.65, 117.12), "SD", "HE HA JS"),
    ("DC-ZZ", "Zhengzhou", (34.75, 113.63), "HA SX", "HB AH SD"),
    ("DC-SH", "Shanghai", (31.23, 121.47), "SH JS", "ZJ AH"),
    ("DC-HZ", "Hangzhou", (30.27, 120.15), "ZJ AH", "SH JS FJ JX"),
    ("DC-FZ", "Fuzhou", (26.07, 119.30), "FJ", "ZJ JX GD"),
    ("DC-WH", "Wuhan", (30.59, 114.31), "HB HN JX", "HA AH CQ"),
    ("DC-GZ", "Guangzhou", (23.13, 113.26), "GD GX HI", "HN FJ JX"),
    ("DC-CD", "Chengdu", (30.57, 104.07), "SC CQ GZ XZ", "YN SN"),
    ("DC-KM", "Kunming", (25.04, 102.71), "YN", "GZ GX SC"),
    ("DC-XA", "Xi'an", (34.34, 108.94), "SN GS QH NX XJ NM", "SX SC CQ"),
)
CUTOFF = time(17, 0)
CAPACITY_PER_HOUR = 3_500  # 500,000 orders in 12 hours from 12 DCs


def china_dcs() -> list[Location]:
    return [
        Location(
            code,
            f"{city} DC",
            "CN",
            "Asia/Shanghai",
            address=f"{city} logistics park",
            capacity_per_hour=CAPACITY_PER_HOUR,
            cutoff=CUTOFF,
            regions=ranked_regions(
                [(f"CN-{p}", 1) for p in first.split()] + [(f"CN-{p}", 2) for p in second.split()]
            ),
            latitude=where[0],
            longitude=where[1],
        )
        for code, city, where, first, second in _CHINA
    ]


def india_dcs() -> list[Location]:
    south = "KA TN KL AP TS GA PY MH"
    north = "DL HR PB UP RJ HP UK CH JK LA GJ MP BR WB"
    return [
        Location(
            "DC-BLR",
            "Bengaluru DC",
            "IN",
            "Asia/Kolkata",
            address="Hosur Road, Bengaluru",
            capacity_per_hour=CAPACITY_PER_HOUR,
            cutoff=CUTOFF,
            regions=ranked_regions(
                [(f"IN-{r}", 1) for r in south.split()] + [(f"IN-{r}", 2) for r in north.split()]
            ),
            latitude=12.97,
            longitude=77.59,
        ),
        Location(
            "DC-GGN",
            "Gurugram DC",
            "IN",
            "Asia/Kolkata",
            address="NH 48, Gurugram",
            capacity_per_hour=CAPACITY_PER_HOUR,
            cutoff=CUTOFF,
            regions=ranked_regions(
                [(f"IN-{r}", 1) for r in north.split()] + [(f"IN-{r}", 2) for r in south.split()]
            ),
            latitude=28.46,
            longitude=77.03,
        ),
    ]


def indonesia_dcs() -> list[Location]:
    java = "JK JB JT JI BT YO"
    return [
        Location(
            "DC-JKT",
            "Jakarta DC",
            "ID",
            "Asia/Jakarta",
            address="Cakung, Jakarta",
            capacity_per_hour=CAPACITY_PER_HOUR,
            cutoff=CUTOFF,
            regions=ranked_regions([(f"ID-{r}", 1) for r in java.split()]),
            latitude=-6.21,
            longitude=106.85,
        )
    ]


def demo_dcs() -> list[Location]:
    return [*china_dcs(), *india_dcs(), *indonesia_dcs()]


# Receipts of the demo's catalogue, per DC: enough for its sales (the band's 10,000 in India).
DEMO_RECEIPTS: Mapping[str, Mapping[str, int]] = {
    "CN": {
        "MI6-64GB-BLK": 20_000,
        "MI6-128GB-BLU": 10_000,
        "MIBAND2-BLK": 10_000,
        "MIPB-10000-SLV": 10_000,
    },
    "IN": {"MIBAND2-BLK": 12_000, "MIPB-10000-SLV": 5_000},
    "ID": {"MIBAND2-BLK": 10_000, "MIPB-10000-SLV": 5_000},
}


def receipts_covering(sales: Sequence[FlashSale]) -> dict[str, dict[str, int]]:
    """The demo's receipts, raised where a sale needs more: each of its market's DCs then
    holds the sale's whole stock (an order goes to its region's DC first)."""
    receipts = {market: dict(units) for market, units in DEMO_RECEIPTS.items()}
    for sale in sales:
        per_dc = receipts.setdefault(sale.market_code, {})
        per_dc[sale.sku] = max(per_dc.get(sale.sku, 0), sale.stock_total)
    return receipts


async def seed_warehouses(
    catalog: Catalog,
    fulfilment: Fulfilment,
    locations: Sequence[Location] | None = None,
    receipts: Mapping[str, Mapping[str, int]] = DEMO_RECEIPTS,
) -> tuple[int, int]:
    """Add the DCs not there yet, and top each up to its receipts' units of each SKU (so a
    second run changes nothing). Returns (locations added, units received)."""
    f = fulfilment
    added = 0
    known = {location.code for location in await f.locations.all()}
    for location in locations if locations is not None else demo_dcs():
        if location.code not in known:
            await f.locations.add(location)
            added += 1
    received = 0
    for location in await f.locations.all():
        if location.kind is not LocationKind.DC:  # a store's shelf is stocked by lab/demo/stores.py
            continue
        for sku, units in receipts.get(location.market_code, {}).items():
            if await catalog.variant(sku) is None:
                continue
            level = await f.stock.level(location.code, sku)
            missing = units - level.on_hand
            if missing > 0:
                await f.stock.move(
                    location.code, sku, MoveKind.RECEIPT, missing, "demo stock", "demo"
                )
                received += missing
    return added, received
