"""India, two bands, the Bengaluru and Gurugram DCs stocked, Amazon India with a buffer of 1,
on the memory record: the channels' services as the shop builds them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from flashsale.catalog.market import Market
from flashsale.catalog.model import Product, Variant
from flashsale.catalog.service import Catalog
from flashsale.channels.adapters.recording_client import RecordingMarketplaceClient
from flashsale.channels.domain.channel import ChannelKind
from flashsale.channels.service.assembly import Channels, build_channels
from flashsale.inventory.domain.location import Location
from flashsale.inventory.domain.stock import MoveKind, StockChange
from flashsale.inventory.service.locations import Locations
from flashsale.kernel.clock import ManualClock
from flashsale.kernel.money import Money
from flashsale.record.memory_store import MemoryStore

T0 = datetime(2017, 9, 20, 4, 0, tzinfo=UTC)
BAND, BAND_ORANGE = "MIBAND2-BLK", "MIBAND2-ORG"


@dataclass
class Partner:
    store: MemoryStore
    channels: Channels
    client: RecordingMarketplaceClient
    clock: ManualClock


async def partner_world(on_hand: int = 10) -> Partner:
    store = MemoryStore()
    catalog = Catalog(store)
    await catalog.add_markets(
        [
            Market("IN", "India", "INR", "en_IN", "Asia/Kolkata"),
            Market("US", "United States", "USD", "en_US"),
        ]
    )
    price = {"IN": Money(Decimal("999"), "INR")}
    await store.add_product(
        Product("prod_band", "Mi Band 2", (Variant(BAND, "prod_band", {}, price),
                                            Variant(BAND_ORANGE, "prod_band", {}, price)))
    )  # fmt: skip
    for code in ("DC-BLR", "DC-GGN"):
        await store.add_location(Location(code, code, "IN", "Asia/Kolkata"))
        await store.record_changes(
            [StockChange(code, sku, MoveKind.RECEIPT, on_hand, "PO-1", "test", T0)
             for sku in (BAND, BAND_ORANGE)]
        )  # fmt: skip
    client = RecordingMarketplaceClient()
    clock = ManualClock(T0)
    channels = build_channels(store, catalog, Locations(store, catalog), client, clock)
    await channels.book.add("AMAZON_IN", ChannelKind.MARKETPLACE, "IN", "Amazon India", 1)
    return Partner(store, channels, client, clock)


@pytest.fixture
async def partner() -> Partner:
    return await partner_world()
