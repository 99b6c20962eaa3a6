"""Waiting room vs purchase path, in-process, on the embedded default and on Redis.

    python benchmarks/waiting_room.py [--fans 5000] [--concurrency 256] [--runs 5]
                                      [--no-redis | --only-redis]

Builds the shop as ``flashsale serve`` does (SQLite file with group commit; in-process gate and
room, or gate and room in Redis with FLASHSALE_REDIS_URL / --redis-url), seeds two sales with
ample stock and registered fans, then drives the use cases directly with ``concurrency`` callers
at a time (no HTTP: the HTTP layer costs the same for every endpoint):

- purchases/s: ``Purchasing.purchase`` of a sale with an open room (every call a new buyer);
- joins/s: ``WaitingRoom.join`` of a sale enforcing its room (every call a new fan in line);
- status reads/s: ``WaitingRoom.status`` of the fans in line.

Prints the medians of ``runs`` rounds and the ratios to the purchase path of the same mode: the
room must never be the bottleneck (ratios >= 1). Rounds are 5,000 calls: a round of 2,000 lasted
well under 0.1 s, too short to compare two modes on a shared machine. A default run takes ~10 s
on an idle machine; it prints the load average it ran under.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import os
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from flashsale.bootstrap import Shop, build_shop
from flashsale.catalog.market import Market
from flashsale.catalog.service import VariantSpec
from flashsale.config import Settings
from flashsale.customers.model import Customer
from flashsale.platform.sql.migrate import upgrade_database
from flashsale.sales.service.sales import SaleSpec
from flashsale.waiting_room.domain.room import RoomSettings

ROOM = RoomSettings(customer_requests_per_second=1000, address_requests_per_second=1_000_000)


async def drive(calls: Sequence[Callable[[], Awaitable[object]]], concurrency: int) -> float:
    """Run the calls with ``concurrency`` in flight; returns calls per second."""
    pending = iter(calls)

    async def worker() -> None:
        for call in pending:
            await call()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return len(calls) / (time.perf_counter() - started)


async def seeded_shop(database: Path, redis_url: str | None, fans: int) -> tuple[Shop, str, str]:
    url = f"sqlite+aiosqlite:///{database}"
    await upgrade_database(url)
    settings = Settings(
        database_url=url,
        redis_url=redis_url,
        admin_token="bench",
        secret_key="bench",
        password_time_cost=1,
        password_memory_cost_kib=8,
    )
    shop = await build_shop(settings)
    await shop.catalog.add_markets([Market("IN", "India", "INR", "en_IN")])
    sku = f"BAND-{os.getpid()}-{time.time_ns()}"
    await shop.catalog.add_product("Mi Band", [VariantSpec(sku, {}, {"IN": "999"})])
    now = datetime.now(UTC)
    spec = SaleSpec(
        sku=sku,
        market="IN",
        stock=fans * 2,
        per_customer_limit=1,
        registration_opens_at=now - timedelta(hours=2),
        registration_closes_at=now - timedelta(hours=1),
        opens_at=now - timedelta(minutes=1),
        closes_at=now + timedelta(hours=1),
    )
    open_sale = await shop.sales.create(spec)
    room_sale = await shop.sales.create(spec)
    await shop.room.configure(room_sale.id, ROOM)
    customers = [
        Customer(f"cus_bench_{time.time_ns()}_{n}", f"f{n}@b.example", "x", "IN", now)
        for n in range(fans)
    ]
    await shop.store.add_customers(customers)
    ids = [c.id for c in customers]
    for sale in (open_sale, room_sale):
        await shop.store.add_registrations(sale.id, ids, now)
        await shop.gate.register(sale.id, ids)
    await shop.room.load()
    await shop.room.tick()  # seals the (empty) pre-queue: later joins queue in line
    return shop, open_sale.id, room_sale.id


async def measure(
    redis_url: str | None, fans: int, concurrency: int, runs: int
) -> dict[str, float]:
    rates: dict[str, list[float]] = {"purchases": [], "joins": [], "status reads": []}
    with tempfile.TemporaryDirectory() as tmp:
        shop, open_id, room_id = await seeded_shop(Path(tmp) / "bench.db", redis_url, fans * runs)
        try:
            ids = await shop.store.registered_customers(open_id)
            for run in range(runs):
                group = ids[run * fans : (run + 1) * fans]
                buys = [functools.partial(shop.purchasing.purchase, c, open_id, 1) for c in group]
                rates["purchases"].append(await drive(buys, concurrency))
                joins = [functools.partial(shop.room.join, room_id, c, address(c)) for c in group]
                rates["joins"].append(await drive(joins, concurrency))
                reads = [functools.partial(shop.room.status, room_id, c, address(c)) for c in group]
                rates["status reads"].append(await drive(reads, concurrency))
            await shop.purchasing.drain()
        finally:
            await shop.room.state.drop(room_id)
            await shop.aclose()
    return {name: statistics.median(values) for name, values in rates.items()}


def address(customer_id: str) -> str:
    return f"10.0.{customer_id[-4:]}"  # fans come from many addresses


def report(mode: str, medians: dict[str, float]) -> None:
    base = medians["purchases"]
    print(f"\n{mode}")
    for name, rate in medians.items():
        ratio = "" if name == "purchases" else f"   ratio to purchases {rate / base:5.2f}"
        print(f"  {name:<13} {rate:10,.0f} /s{ratio}")


def load_average() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--fans", type=int, default=5000, help="calls per round and use case")
    parser.add_argument("--concurrency", type=int, default=256)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--redis-url", default=os.environ.get("FLASHSALE_REDIS_URL", "redis://127.0.0.1:6379/0")
    )
    only = parser.add_mutually_exclusive_group()
    only.add_argument("--no-redis", action="store_true")
    only.add_argument("--only-redis", action="store_true")
    args = parser.parse_args()
    print(f"{args.fans} calls per round, {args.concurrency} in flight, median of {args.runs}")
    print(load_average())
    if not args.only_redis:
        report(
            "embedded (SQLite, in-process gate and room)",
            asyncio.run(measure(None, args.fans, args.concurrency, args.runs)),
        )
    if not args.no_redis:
        report(
            "scale-out (SQLite record, gate and room in Redis)",
            asyncio.run(measure(args.redis_url, args.fans, args.concurrency, args.runs)),
        )
    print(f"\n{load_average()}")


if __name__ == "__main__":
    main()
