"""Events per second the relay publishes from an embedded SQLite record to each broker.

    python benchmarks/relay.py [--events 20000] [--batch 500] [--runs 3]
                               [--nats nats://127.0.0.1:4222]
                               [--amqp amqp://guest:guest@127.0.0.1:5672/]

A scratch SQLite record (deleted afterwards) holds a feed of ``--events`` order.reserved events.
Each run relays the whole feed from its beginning, through the code ``flashsale relay`` runs
(``bootstrap.relaying`` on a shop from ``running_shop``), to a stream (file storage) or to a
durable exchange with a durable queue bound, each run's own and deleted afterwards; the clock
stops when the last batch is acknowledged and its cursor stored. The baseline, in the same run:
reading the same feed page by page with no broker, the relay's ceiling on this record.
Medians of ``--runs``.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aio_pika
import nats

from flashsale.bootstrap import relaying, running_shop
from flashsale.catalog.market import Market
from flashsale.catalog.model import Product, Variant
from flashsale.config import Settings
from flashsale.customers.model import Customer
from flashsale.kernel.ids import new_id
from flashsale.kernel.money import Money
from flashsale.orders.domain.order import Order, OrderStatus
from flashsale.platform.sql.migrate import upgrade_database
from flashsale.record.sql_store import SqlStore
from flashsale.relay.domain.targets import AmqpTarget, NatsTarget, parse_target
from flashsale.sales.domain.sale import FlashSale

PRICE = Money.of("999.00", "INR")
CHUNK = 1000


async def seed(url: str, events: int) -> None:
    """``events`` one-unit reservations of one sale, each by its own customer."""
    await upgrade_database(url)
    store = await SqlStore.open(url)
    try:
        now = datetime.now(UTC)
        await store.add_markets([Market("IN", "India", "INR", "en_IN")])
        band = Variant("MIBAND2", "prod_band", {}, {"IN": PRICE})
        await store.add_product(Product("prod_band", "Mi Band 2", (band,)))
        sale = FlashSale(
            id=new_id("sale"),
            sku="MIBAND2",
            market_code="IN",
            price=PRICE,
            stock_total=10_000_000,
            per_customer_limit=1,
            registration_opens_at=now - timedelta(hours=2),
            registration_closes_at=now - timedelta(hours=1),
            opens_at=now - timedelta(minutes=1),
            closes_at=now + timedelta(days=1),
        )
        await store.add_sale(sale)
        for start in range(0, events, CHUNK):
            ids = [new_id("cus") for _ in range(min(CHUNK, events - start))]
            await store.add_customers(
                [Customer(c, f"{c}@bench.example", "x", "IN", now) for c in ids]
            )
            await store.insert_orders(
                [
                    Order(
                        id=new_id("ord"),
                        sale_id=sale.id,
                        customer_id=c,
                        sku="MIBAND2",
                        quantity=1,
                        amount=PRICE,
                        status=OrderStatus.RESERVED,
                        created_at=now,
                        expires_at=now + timedelta(minutes=15),
                    )
                    for c in ids
                ]
            )
    finally:
        await store.close()


async def read_only(settings: Settings, batch: int) -> tuple[int, float]:
    async with running_shop(settings) as shop:
        began, after, count = time.perf_counter(), None, 0
        while True:
            page = await shop.order_events.read(after, batch)
            if not page.events:
                return count, time.perf_counter() - began
            count += len(page.events)
            after = str(page.next_cursor)


async def relayed(settings: Settings, url: str, batch: int) -> tuple[int, float]:
    target = parse_target(url)
    async with (
        running_shop(settings) as shop,
        relaying(shop, target, f"bench-{uuid.uuid4().hex[:8]}", batch=batch) as relay,
    ):
        await relay.begin(from_now=False)
        began = time.perf_counter()
        while await relay.step():
            pass
        return relay.progress.published, time.perf_counter() - began


async def on_nats(server: str, run: Callable[[str], Awaitable[tuple[int, float]]]) -> float:
    unique = uuid.uuid4().hex[:8]
    url = f"{server}/bench.{unique}?stream=BENCH_{unique}"
    target = parse_target(url)
    assert isinstance(target, NatsTarget)
    try:
        count, seconds = await run(url)
    finally:
        client = await nats.connect(server)
        await client.jetstream().delete_stream(target.stream)
        await client.close()
    return count / seconds


async def on_amqp(server: str, run: Callable[[str], Awaitable[tuple[int, float]]]) -> float:
    unique = uuid.uuid4().hex[:8]
    url = f"{server}?exchange=bench.{unique}"
    target = parse_target(url)
    assert isinstance(target, AmqpTarget)
    connection = await aio_pika.connect(server)
    try:
        channel = await connection.channel()
        exchange = await channel.declare_exchange(
            target.exchange, aio_pika.ExchangeType.TOPIC, durable=True
        )
        queue = await channel.declare_queue(f"bench.{unique}", durable=True)
        await queue.bind(exchange, "#")
        try:
            count, seconds = await run(url)
        finally:
            await queue.delete(if_unused=False, if_empty=False)
            await exchange.delete()
    finally:
        await connection.close()
    return count / seconds


async def main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
        await seed(url, args.events)
        settings = Settings(
            database_url=url,
            admin_token="x" * 24,
            secret_key="bench-secret-key-of-the-relay-benchmark",
        )

        async def relay(to: str) -> tuple[int, float]:
            return await relayed(settings, to, args.batch)

        figures: dict[str, list[float]] = {"read only (baseline)": [], "NATS": [], "AMQP": []}
        for _ in range(args.runs):
            count, seconds = await read_only(settings, args.batch)
            assert count == args.events
            figures["read only (baseline)"].append(count / seconds)
            figures["NATS"].append(await on_nats(args.nats, relay))
            figures["AMQP"].append(await on_amqp(args.amqp, relay))
    print(f"{args.events:,} events, batches of {args.batch}, {args.runs} runs; events/s:")
    for name, rates in figures.items():
        runs = ", ".join(f"{r:,.0f}" for r in rates)
        print(f"  {name:<22} median {statistics.median(rates):>9,.0f}   ({runs})")


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--nats", default="nats://127.0.0.1:4222")
    parser.add_argument("--amqp", default="amqp://guest:guest@127.0.0.1:5672/")
    return parser.parse_args()


if __name__ == "__main__":
    asyncio.run(main(arguments()))
