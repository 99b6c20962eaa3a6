"""The last unit, four doors: one unit on a store's shelf, which also backs click & collect and
a partner's pool, and four doors racing for it round after round, on SQLite and PostgreSQL:

- two tills, each selling it (``PointOfSale.sell``: the guarded decrement of the shelf);
- click & collect: a paid pickup order of that store, placed by the allocator
  (``allocate_now``: its guarded ``allocated`` update);
- the partner: its pool at the store topped up by one (``Pools.put``: a guarded commit of a
  free unit) and a report line imported into it (``OrderImports.run``: the pool's guarded
  consumption).

Exactly one door wins each round; the losers change nothing (the tills answer 409, the pickup
waits unallocated and is then cancelled and refunded, the pool stays as it was and the
partner's line is stored ``rejected: pool-exhausted``). At the end the stock audit is clean
and the ledger, the levels, the pool and the fulfilment orders agree with the tally.

Rounds: 500 on SQLite (14-29 s on the shared 2-core machine, load average 4 to 6 from other
work); 100 on PostgreSQL, where every door runs on its own engine and pool (four processes'
worth of connections): 7 s at a load of 4, but 47 s while other PostgreSQL work held the
order feed back (``feed_caught_up``): so it runs 100, the fewest the race asks for. Each door
is started first in turn; the wins spread over all four (one SQLite run: 344 and 125 for the
tills, 18 pickup, 13 partner; one PostgreSQL run, whose doors are staggered more since its
round trips are slower: 41 and 25, 16, 18), but the test only asks that more than one door
won, since who wins depends on the machine.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import orjson

from flashsale.bootstrap import Shop, build_shop
from flashsale.catalog.service import Catalog
from flashsale.channels.adapters.recording_client import RecordingMarketplaceClient
from flashsale.channels.domain.channel import ChannelKind
from flashsale.channels.domain.parsing import ImportFormat
from flashsale.channels.domain.pool import PoolTarget
from flashsale.channels.errors import PoolAboveFree
from flashsale.channels.service.assembly import Channels, build_channels
from flashsale.fulfilment.domain.order import FulfilmentStatus, SourceKind
from flashsale.inventory.domain.doors import Door
from flashsale.inventory.domain.stock import MoveKind, StockChange
from flashsale.inventory.service.locations import Locations
from flashsale.kernel.clock import ManualClock
from flashsale.orders.adapters.sandbox_payments import SandboxPaymentGateway
from flashsale.orders.domain.delivery import Delivery, DeliveryMethod
from flashsale.platform.sql.migrate import upgrade_database
from flashsale.record.sql_store import SqlStore
from flashsale.stores.domain.sale import TenderMethod
from flashsale.stores.errors import InsufficientStoreStock
from flashsale.stores.service.assembly import Stores, build_stores
from flashsale.stores.service.selling import SaleRequest
from flashsale.stores.service.session import PosCaller
from tests.conftest import fast_settings
from tests.contract.conftest import empty_tables, migrated_postgres_database
from tests.contract.record_world import T0, feed_caught_up, order, payment_for, stocked_world
from tests.contract.test_fulfilment_repository_contract import PAID_AT, _refund
from tests.contract.test_store_repository import BLR, PROFILE, SKU, clerk

SQLITE_ROUNDS = 500
POSTGRES_ROUNDS = 100
STORE = "MH-BLR"
PARTNER = "AMAZON_IN"
PICKUP = Delivery(DeliveryMethod.PICKUP, STORE)
DOORS = ("till A", "till B", "pickup", "partner")
# Each round another door starts first, by this much before the next, so each wins some
# rounds: a PostgreSQL door's round trips through its own pool take longer.
SQLITE_STAGGER = 0.002
POSTGRES_STAGGER = 0.010


class NoStaff:
    async def find(self, id_or_email: str) -> None:
        return None


@dataclass
class Doors:
    shop: Shop  # its allocators place the pickups; its store sets each round up
    store: SqlStore
    till_a: tuple[Stores, PosCaller]
    till_b: tuple[Stores, PosCaller]
    partner: Channels


def _stores_on(store: SqlStore) -> Stores:
    return build_stores(store, Catalog(store), NoStaff(), SandboxPaymentGateway(), ManualClock(T0))


def _channels_on(store: SqlStore) -> Channels:
    catalog = Catalog(store)
    return build_channels(
        store, catalog, Locations(store, catalog), RecordingMarketplaceClient(), ManualClock(T0)
    )


@contextlib.asynccontextmanager
async def four_doors(url: str, rounds: int, separate: bool) -> AsyncIterator[Doors]:
    """On PostgreSQL (``separate``) each door has its own engine, as four processes would."""
    # The race is one of locks and guards, not of fsyncs: SQLite commits without waiting for
    # the disk (WAL, synchronous=NORMAL), which takes a busy machine's fsyncs out of its time.
    store = await SqlStore.open(url, sqlite_synchronous="NORMAL")
    others = [await SqlStore.open(url) if separate else store for _ in range(3)]
    shop = await build_shop(fast_settings(), clock=ManualClock(PAID_AT), store=store)
    try:
        if store.engine.dialect.name == "postgresql":
            await empty_tables(store.engine)
        await stocked_world(store, stock=rounds, limit=1, customers=rounds)
        await store.add_staff_member(clerk())
        await store.store_add(BLR, PROFILE, ["stf_1"])
        partner = _channels_on(others[2])
        await partner.book.add(PARTNER, ChannelKind.MARKETPLACE, "IN", "Amazon India")
        tills = []
        for name, engine in (("Till A", others[0]), ("Till B", others[1])):
            stores = _stores_on(engine)
            _, token = await stores.tills.add(STORE, name)
            tills.append((stores, await stores.sessions.open(token, clerk())))
        yield Doors(shop, store, tills[0], tills[1], partner)
    finally:
        await shop.stop()
        for other in {id(s): s for s in others if s is not store}.values():
            await other.close()
        await store.close()


def _report(n: int) -> bytes:
    at = (T0 + timedelta(seconds=n)).isoformat()
    line = {"order_id": f"402-{n:07d}", "line_id": "1", "purchased_at": at, "sku": SKU,
            "quantity": 1}  # fmt: skip
    return orjson.dumps({"lines": [line]})


async def race(url: str, rounds: int, separate: bool, stagger: float) -> None:
    async with four_doors(url, rounds, separate) as doors:
        store, allocators = doors.store, doors.shop.fulfilment.allocators
        partner_units = 0  # what the pool holds: every unit the partner won

        def till(door: tuple[Stores, PosCaller], n: int) -> Callable[[], Awaitable[bool]]:
            stores, caller = door

            async def sell() -> bool:
                request = SaleRequest([(SKU, 1)], TenderMethod.CASH)
                try:
                    await stores.pos.sell(caller, request, f"{caller.till.id}-{n}")
                except InsufficientStoreStock:
                    return False
                return True

            return sell

        def place(order_id: str) -> Callable[[], Awaitable[bool]]:
            async def allocate() -> bool:
                await allocators.allocate_now("IN")
                (fo,) = await store.fulfilment_orders_of([order_id])
                return fo.status is FulfilmentStatus.ALLOCATED

            return allocate

        def partner(n: int) -> Callable[[], Awaitable[bool]]:
            async def top_up_and_import() -> bool:
                target = PoolTarget(STORE, SKU, partner_units + 1)
                with contextlib.suppress(PoolAboveFree):  # its line is then refused
                    await doors.partner.pools.put(PARTNER, [target])
                done = await doors.partner.imports.run(PARTNER, _report(n), ImportFormat.JSON)
                assert done.imported + done.rejected_total == 1, done
                return done.imported == 1

            return top_up_and_import

        async def staggered(delay: float, door: Callable[[], Awaitable[bool]]) -> bool:
            await asyncio.sleep(delay)
            return await door()

        wins: collections.Counter[str] = collections.Counter()
        for n in range(rounds):
            receipt = StockChange(STORE, SKU, MoveKind.RECEIPT, 1, f"PO-{n}", "staff:1", T0)
            await store.record_changes([receipt])
            fan = order(f"ord_{n}", n + 1, key=f"k{n}")
            assert (await store.insert_orders([fan])).stored == {fan.id}
            assert await store.set_delivery(fan.id, PICKUP, T0)
            await store.mark_paid([payment_for(fan, PAID_AT)])
            await feed_caught_up(store)
            doors_now = (
                till(doors.till_a, n), till(doors.till_b, n), place(fan.id), partner(n)
            )  # fmt: skip
            won = await asyncio.gather(
                *(
                    staggered(((i + n) % len(DOORS)) * stagger, door)
                    for i, door in enumerate(doors_now)
                )
            )
            winners = [name for name, w in zip(DOORS, won, strict=True) if w]
            assert len(winners) == 1, f"round {n}: {winners or 'nobody'} won the last unit"
            wins[winners[0]] += 1
            if winners == ["partner"]:
                partner_units += 1
            if winners != ["pickup"]:  # it waits at the store: cancelled and refunded
                assert await store.cancel_paid_order(fan.id, PAID_AT, "staff:1", _refund(fan.id))
                await feed_caught_up(store)
                await allocators.allocate_now("IN")  # closes it, outside the next race
                (fo,) = await store.fulfilment_orders_of([fan.id])
                assert fo.status is FulfilmentStatus.CANCELLED, fo
            (level,) = await store.stock_levels(STORE, SKU)
            set_aside = wins["pickup"] + wins["partner"]
            assert (level.on_hand, level.allocated, level.committed) == (set_aside, set_aside, 0)

        assert sum(wins.values()) == rounds
        assert len(wins) >= 2, f"one door won every round: {dict(wins)}; no race was run"
        (pool,) = await store.pools(PARTNER)
        assert (pool.units, pool.consumed) == (wins["partner"], wins["partner"])
        placed = await store.fulfilment_orders(FulfilmentStatus.ALLOCATED, limit=1_000)
        kinds = collections.Counter(fo.source_kind for fo in placed)  # a pickup is an order
        # Counters: a door that won no round is no key of ``kinds`` (who wins is the machine's).
        assert kinds == collections.Counter(
            {SourceKind.ORDER: wins["pickup"], SourceKind.PARTNER: wins["partner"]}
        )
        assert {fo.location for fo in placed} <= {STORE}
        sums: collections.Counter[MoveKind] = collections.Counter()
        for s in await store.ledger_sums():
            sums[s.kind] += s.on_hand
        tills = wins["till A"] + wins["till B"]
        assert (sums[MoveKind.RECEIPT], sums[MoveKind.SHIP]) == (rounds, -tills)
        audit = await doors.shop.fulfilment.audit.audit(SKU)
        assert audit.clean, [d.describe() for d in audit.discrepancies]
        (stock,) = audit.stock
        assert stock.received == rounds and stock.balanced
        assert {d.door: d.sold for d in stock.doors} == ({Door.STORES: tills} if tills else {})
        assert (stock.in_pools, stock.on_hand, stock.written_off) == (0, rounds - tills, 0)


async def test_four_doors_race_for_the_last_unit_on_sqlite(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'shop.db'}"
    await upgrade_database(url)
    await race(url, SQLITE_ROUNDS, separate=False, stagger=SQLITE_STAGGER)


async def test_four_doors_race_for_the_last_unit_on_postgres(postgres_server_url: str) -> None:
    async with migrated_postgres_database(postgres_server_url) as url:
        await race(url, POSTGRES_ROUNDS, separate=True, stagger=POSTGRES_STAGGER)
