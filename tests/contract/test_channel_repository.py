"""The ChannelRepository contract (memory, SQLite, PostgreSQL): channels and prices, pools that
commit units on the DC's level or write nothing, and import chunks that consume pools, move
committed to allocated, write partner fulfilment orders and ledger moves, and store each
partner line once."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import partial
from zoneinfo import ZoneInfo

import pytest

from flashsale.channels.domain.channel import Channel, ChannelKind, ChannelPrice
from flashsale.channels.domain.order_line import OrderLine
from flashsale.channels.domain.planning import ImportContext, plan_chunk
from flashsale.channels.domain.pool import Pool, PoolTarget
from flashsale.channels.errors import PoolAboveFree, PoolBelowConsumed
from flashsale.channels.ports import Planner
from flashsale.fulfilment.domain.order import FulfilmentStatus, SourceKind
from flashsale.inventory.domain.location import Location
from flashsale.inventory.domain.stock import MoveKind, StockChange, StockLevel
from flashsale.kernel.errors import Conflict
from flashsale.kernel.money import Money
from flashsale.record.store import Store
from tests.contract.record_world import T0, world

SKU = "MIBAND3-BLK"
BLR = Location("DC-BLR", "Bengaluru", "IN", "Asia/Kolkata")
AMAZON = Channel("AMAZON_IN", ChannelKind.MARKETPLACE, "IN", "Amazon India", "INR", 2)


async def stocked(store: Store, on_hand: int = 10) -> None:
    await world(store)
    await store.add_location(BLR)
    await store.record_changes(
        [StockChange("DC-BLR", SKU, MoveKind.RECEIPT, on_hand, "PO-1", "staff:1", T0)]
    )
    await store.channel_add(AMAZON)


def line(n: int, quantity: int = 1, sku: str = SKU, currency: str = "INR") -> OrderLine:
    return OrderLine(
        n, f"402-{n:07d}", f"{n:014d}", T0 + timedelta(minutes=n), sku, quantity, currency,
        Decimal("999.00"), "IN-KA", True,
    )  # fmt: skip


def planner() -> Planner:
    counter = itertools.count()
    context = ImportContext(
        AMAZON,
        ZoneInfo("Asia/Kolkata"),
        T0 + timedelta(hours=3),
        "channel AMAZON_IN import imp_1",
        lambda: f"chl_{next(counter):08x}",
        lambda: f"fo_{next(counter):08x}",
    )
    return partial(plan_chunk, context=context)


async def test_channels_and_prices_round_trip(store: Store) -> None:
    await stocked(store)
    assert await store.channel("AMAZON_IN") == AMAZON
    assert await store.channels() == [AMAZON]
    with pytest.raises(Conflict):
        await store.channel_add(AMAZON)
    assert not await store.channel_replace(Channel("NOPE", ChannelKind.WEB, "IN", "X", "INR"))
    quieter = Channel("AMAZON_IN", ChannelKind.MARKETPLACE, "IN", "Amazon", "INR", 5, False)
    assert await store.channel_replace(quieter)
    assert await store.channel("AMAZON_IN") == quieter
    price = ChannelPrice("AMAZON_IN", SKU, Money(Decimal("949.00"), "INR"))
    await store.channel_put_prices([price])
    await store.channel_put_prices([ChannelPrice("AMAZON_IN", SKU, Money(Decimal("899"), "INR"))])
    assert [p.price.amount for p in await store.channel_prices("AMAZON_IN")] == [Decimal("899")]
    with pytest.raises(Conflict):
        await store.channel_put_prices([ChannelPrice("AMAZON_IN", "NOPE", price.price)])
    assert await store.channel_remove_price("AMAZON_IN", SKU)
    assert not await store.channel_remove_price("AMAZON_IN", SKU)
    assert await store.channel_prices("AMAZON_IN") == []


async def test_a_pool_commits_units_at_the_dc_or_writes_nothing(store: Store) -> None:
    await stocked(store, on_hand=10)
    pools = await store.pool_put("AMAZON_IN", [PoolTarget("DC-BLR", SKU, 6)])
    assert pools == [Pool("AMAZON_IN", "DC-BLR", SKU, 6, 0)]
    assert await store.stock_levels("DC-BLR") == [StockLevel("DC-BLR", SKU, 10, 0, 6)]
    with pytest.raises(PoolAboveFree):
        await store.pool_put("AMAZON_IN", [PoolTarget("DC-BLR", SKU, 11)])
    assert await store.pools("AMAZON_IN") == pools
    assert await store.stock_levels("DC-BLR") == [StockLevel("DC-BLR", SKU, 10, 0, 6)]
    await store.pool_put("AMAZON_IN", [PoolTarget("DC-BLR", SKU, 10)])
    await store.pool_put("AMAZON_IN", [PoolTarget("DC-BLR", SKU, 4)])
    assert await store.stock_levels("DC-BLR") == [StockLevel("DC-BLR", SKU, 10, 0, 4)]
    assert await store.pool_all() == [Pool("AMAZON_IN", "DC-BLR", SKU, 4, 0)]
    with pytest.raises(Conflict):
        await store.pool_put("AMAZON_IN", [PoolTarget("DC-NOPE", SKU, 1)])


async def test_an_import_consumes_the_pool_and_allocates_at_the_dc(store: Store) -> None:
    await stocked(store, on_hand=10)
    await store.pool_put("AMAZON_IN", [PoolTarget("DC-BLR", SKU, 3)])
    lines = [line(1, 2), line(2, 2), line(3, 1), line(4, sku="NOPE"), line(5, currency="USD")]
    written = await store.channel_import_chunk("AMAZON_IN", lines, planner())
    assert written.imported == 2
    assert written.duplicates == 0
    assert written.rejected == [(2, "pool-exhausted"), (4, "unknown-sku"), (5, "wrong-currency")]
    assert await store.pools("AMAZON_IN") == [Pool("AMAZON_IN", "DC-BLR", SKU, 3, 3)]
    assert await store.stock_levels("DC-BLR") == [StockLevel("DC-BLR", SKU, 10, 3, 0)]
    fos = await store.fulfilment_orders(location="DC-BLR")
    assert sorted((fo.source_kind, fo.quantity, fo.status, fo.region) for fo in fos) == [
        (SourceKind.PARTNER, 1, FulfilmentStatus.ALLOCATED, "IN-KA"),
        (SourceKind.PARTNER, 2, FulfilmentStatus.ALLOCATED, "IN-KA"),
    ]
    moves = await store.moves("DC-BLR", SKU, limit=1)
    assert [(m.kind, m.allocated_change) for m in moves] == [(MoveKind.ALLOCATE, 3)]
    assert (await store.open_allocations())[("DC-BLR", SKU)] == 3

    again = await store.channel_import_chunk("AMAZON_IN", lines, planner())
    assert (again.imported, again.duplicates, again.rejected) == (0, 5, [])
    assert await store.stock_levels("DC-BLR") == [StockLevel("DC-BLR", SKU, 10, 3, 0)]
    assert len(await store.fulfilment_orders(location="DC-BLR")) == 2


async def test_a_pool_cannot_shrink_below_what_was_consumed(store: Store) -> None:
    await stocked(store, on_hand=10)
    await store.pool_put("AMAZON_IN", [PoolTarget("DC-BLR", SKU, 3)])
    await store.channel_import_chunk("AMAZON_IN", [line(1, 2)], planner())
    with pytest.raises(PoolBelowConsumed):
        await store.pool_put("AMAZON_IN", [PoolTarget("DC-BLR", SKU, 1)])
    await store.pool_put("AMAZON_IN", [PoolTarget("DC-BLR", SKU, 2)])
    assert await store.stock_levels("DC-BLR") == [StockLevel("DC-BLR", SKU, 10, 2, 0)]


async def test_reconciliation_counts_per_market_day_and_sku(store: Store) -> None:
    await stocked(store, on_hand=10)
    await store.pool_put("AMAZON_IN", [PoolTarget("DC-BLR", SKU, 2)])
    # 20:00 UTC is the next day in Kolkata.
    late = line(9, 1)._replace(purchased_at=datetime(2025, 11, 23, 20, 0, tzinfo=UTC))
    partner = line(3, 4)._replace(seller_fulfilled=False)
    lines = [line(1, 2), line(2, 1), partner, late]
    await store.channel_import_chunk("AMAZON_IN", lines, planner())
    rows = await store.channel_reconciliation("AMAZON_IN", date(2025, 11, 23), date(2025, 11, 24))
    assert [(r.day, r.reported, r.imported, r.consumed, r.rejected, r.oversold) for r in rows] == [
        (date(2025, 11, 23), 7, 6, 2, 1, 1),
        (date(2025, 11, 24), 1, 0, 0, 1, 1),
    ]
    assert await store.channel_reconciliation("AMAZON_IN", date(2025, 1, 1), date(2025, 1, 2)) == []


async def test_known_lines_are_the_stored_ones_among_those_asked(store: Store) -> None:
    await stocked(store, on_hand=10)
    await store.pool_put("AMAZON_IN", [PoolTarget("DC-BLR", SKU, 1)])
    await store.channel_import_chunk(
        "AMAZON_IN", [line(1), line(2), line(3, sku="NOPE")], planner()
    )
    asked = [line(n).key for n in (1, 2, 3, 4)] + [("402-0000001", "other")]
    known = await store.channel_known_lines("AMAZON_IN", asked)
    assert known == {line(1).key, line(2).key, line(3).key}  # rejected lines are stored too
    assert await store.channel_known_lines("FLIPKART", asked) == set()
    assert await store.channel_known_lines("AMAZON_IN", []) == set()


async def test_a_chunk_of_a_thousand_lines_some_stored_before(store: Store) -> None:
    # More lines than the SQLite adapter's rows a statement, twice, and a rest; the first
    # 450 stored before, as by an import of the same report that ran meanwhile.
    await stocked(store, on_hand=2000)
    await store.pool_put("AMAZON_IN", [PoolTarget("DC-BLR", SKU, 1500)])
    plan = planner()
    lines = [line(n) for n in range(1, 1002)]
    first = await store.channel_import_chunk("AMAZON_IN", lines[:450], plan)
    assert (first.imported, first.duplicates) == (450, 0)
    written = await store.channel_import_chunk("AMAZON_IN", lines, plan)
    assert (written.imported, written.duplicates, written.rejected) == (551, 450, [])
    assert await store.pools("AMAZON_IN") == [Pool("AMAZON_IN", "DC-BLR", SKU, 1500, 1001)]
    assert await store.stock_levels("DC-BLR") == [StockLevel("DC-BLR", SKU, 2000, 1001, 499)]
    assert (await store.open_allocations())[("DC-BLR", SKU)] == 1001
    moves = await store.moves("DC-BLR", SKU, limit=2)
    assert [m.allocated_change for m in moves] == [551, 450]
    keys = [x.key for x in lines]
    assert await store.channel_known_lines("AMAZON_IN", keys) == set(keys)
    assert await store.channel_known_lines("AMAZON_IN", keys[:2] + keys[:2]) == set(keys[:2])
