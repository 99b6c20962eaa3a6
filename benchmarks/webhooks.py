"""Webhooks: order events read from the feed, fanned out, signed and delivered to a receiver on
127.0.0.1, against baselines measured in the same run.

    python benchmarks/webhooks.py [--events 100000] [--runs 3] [--connections 256]
    python benchmarks/webhooks.py --beside-purchase-path [--pp-runs 3] [--pp-seconds 8]

Seeds a SQLite file (synchronous=FULL, as served) with one subscription to every event and
``--events`` order events (half the orders reserved then paid: two events an order, so the
order rule holds every paid event back until its reservation is delivered). Each run works on a
fresh copy of that file, in this process, through the shop's own wiring (``build_shop``):

- feed: the whole feed read with ``OrderEvents.read`` a page of 1,000 at a time; its baseline is
  the same join fetched raw through the standard library's sqlite3 (what the feed cannot beat).
  Target: >= 200,000 events/s.
- fan-out: ``Dispatcher.dispatch``: every event a delivery, with the cursor, a page a
  transaction.
- delivery: ``Deliverer.deliver_due``: claimed in batches under a lease, signed with
  standardwebhooks, POSTed with aiohttp to the receiver (benchmarks/webhook_receiver.py, a
  process of its own, which verifies one signature in 100), outcomes recorded in batches.
  Its baseline: the same bodies POSTed bare by the same aiohttp client with as many in flight
  (no claim, no signature, no record): the ratio says what the delivery machinery costs.
  Target: >= 2,000 signed deliveries/s (at least 500/s).
- naive: one delivery at a time, each its own claim and record (batch 1, one lane), over the
  first ``--naive`` deliveries: what the batching buys.

Medians of ``--runs``. Every run checks that the receiver got every event's webhook-id and that
the record holds every delivery as delivered.

--beside-purchase-path reruns benchmarks/purchase_path.py (embedded, events on) twice: as it is,
then with a webhook subscription in its seeded database, so that the server's own webhook
worker fans out and delivers every purchase's event (to a receiver process) while wrk buys;
``--pp-pairs`` pairs (2), each pair in the other order than the one before; it prints the
medians of both sides' purchases/s and purchase/trivial ratios, and their quotients (target:
>= 0.95).

Everything runs on uvloop, with the garbage collector tuned (platform/gc_tuning.py), as
`flashsale serve` and `flashsale worker` do.
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import orjson
import uvloop
from webhook_bench import (
    SECRET,
    ReceiverProcess,
    copy_database,
    count_deliveries,
    seed,
)

from flashsale.bootstrap import Shop, build_shop
from flashsale.config import Settings
from flashsale.platform.gc_tuning import tune_for_serving
from flashsale.webhooks.adapters.http_sender import AiohttpSender
from flashsale.webhooks.domain.delivery import DeliveryStatus
from flashsale.webhooks.service.deliverer import DEFAULT_LEASE, Deliverer

PAGE = 1000


@dataclass
class Run:
    feed: float = 0.0  # events/s
    feed_raw: float = 0.0  # rows/s, the baseline
    fan_out: float = 0.0  # events/s
    delivered: float = 0.0  # deliveries/s
    bare: float = 0.0  # requests/s, the baseline
    naive: float = 0.0  # deliveries/s, one at a time


def settings_for(path: Path, connections: int) -> Settings:
    return Settings(
        database_url=f"sqlite+aiosqlite:///{path}",
        admin_token="benchmark-admin-token-0123456789",
        secret_key="benchmark-secret-key-0123456789abcdef",
        webhook_connections=connections,
    )


async def read_feed(shop: Shop) -> int:
    cursor: str | None = None
    read = 0
    while True:
        page = await shop.order_events.read(cursor, PAGE)
        if not page.events:
            return read
        read += len(page.events)
        cursor = str(page.next_cursor)


def read_raw(path: Path) -> int:
    connection = sqlite3.connect(path)
    try:
        rows = connection.execute(
            "SELECT e.seq, e.xid, e.order_id, e.kind, e.at, e.actor, e.data, o.sale_id,"
            " o.customer_id, o.sku, o.quantity, o.amount, o.currency, o.expires_at"
            " FROM order_events AS e JOIN orders AS o ON o.id = e.order_id ORDER BY e.seq"
        ).fetchall()
    finally:
        connection.close()
    return len(rows)


async def bare_posts(url: str, bodies: list[bytes], connections: int) -> float:
    """The same bodies POSTed by the same client, ``connections`` in flight: the ceiling."""
    timeout = aiohttp.ClientTimeout(total=15)
    connector = aiohttp.TCPConnector(limit=connections)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        queue = iter(enumerate(bodies))

        async def worker() -> None:
            for n, body in queue:
                headers = {"content-type": "application/json", "webhook-id": f"bare_{n}"}
                async with session.post(url, data=body, headers=headers) as answer:
                    await answer.read()
                    assert answer.status == 204

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(connections)))
        return len(bodies) / (time.perf_counter() - started)


async def one_run(seeded: Path, tmp: Path, args: argparse.Namespace, number: int) -> Run:
    run = Run()
    path = copy_database(seeded, tmp / f"run-{number}.db")
    with ReceiverProcess(SECRET) as receiver:
        shop = await build_shop(settings_for(path, args.connections))
        tune_for_serving()
        try:
            (hook,) = await shop.webhooks.all()
            await shop.webhooks.change(hook.id, url=receiver.url)
            started = time.perf_counter()
            events = await read_feed(shop)
            run.feed = events / (time.perf_counter() - started)
            started = time.perf_counter()
            assert await asyncio.to_thread(read_raw, path) == events
            run.feed_raw = events / (time.perf_counter() - started)

            started = time.perf_counter()
            fanned = await shop.webhook_worker.dispatcher.dispatch()
            run.fan_out = fanned.events / (time.perf_counter() - started)
            assert fanned.deliveries == events == args.events, fanned

            started = time.perf_counter()
            done = await shop.webhook_worker.deliverer.deliver_due()
            run.delivered = done.delivered / (time.perf_counter() - started)
            stats = receiver.stats()
            delivered = await count_deliveries(path, DeliveryStatus.DELIVERED)
            assert done.delivered == delivered == events, (done, delivered)
            assert stats["distinct"] == events and stats["bad"] == 0, stats
            bodies = [orjson.dumps({"type": "order.paid", "n": n}) for n in range(events)]
            run.bare = await bare_posts(receiver.url, bodies, args.connections)
        finally:
            await shop.aclose()
        run.naive = await naive_run(seeded, tmp / f"naive-{number}.db", receiver.url, args.naive)
    print(
        f"run {number}: feed {run.feed:,.0f} events/s (raw sqlite3 {run.feed_raw:,.0f}),"
        f" fan-out {run.fan_out:,.0f} events/s, delivered {run.delivered:,.0f}/s"
        f" (bare POSTs {run.bare:,.0f}/s, naive {run.naive:,.0f}/s);"
        f" receiver: {stats['distinct']:,} ids, {stats['verified']} signatures verified",
        flush=True,
    )
    return run


async def naive_run(seeded: Path, path: Path, url: str, count: int) -> float:
    """One delivery at a time: claim one, sign, POST, record, and again."""
    copy_database(seeded, path)
    shop = await build_shop(settings_for(path, 2))
    tune_for_serving()
    sender = AiohttpSender(timeout_seconds=15, connections=1, public_only=False)
    try:
        (hook,) = await shop.webhooks.all()
        await shop.webhooks.change(hook.id, url=url)
        await shop.webhook_worker.dispatcher.dispatch()
        naive = Deliverer(shop.store, sender, shop.clock, batch=1, lanes=1)
        started = time.perf_counter()
        for _ in range(count):
            now = shop.clock.now()
            claimed = await shop.store.claim_webhook_deliveries(now, now + DEFAULT_LEASE, 1)
            await naive.deliver(claimed)
        return count / (time.perf_counter() - started)
    finally:
        await sender.close()
        await shop.aclose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--connections", type=int, default=256)
    parser.add_argument("--naive", type=int, default=2000)
    parser.add_argument("--beside-purchase-path", action="store_true")
    parser.add_argument("--pp-pairs", type=int, default=2)
    parser.add_argument("--pp-runs", type=int, default=3)
    parser.add_argument("--pp-seconds", type=int, default=8)
    parser.add_argument("--pp-fans-per-run", type=int, default=60_000)
    args = parser.parse_args()
    if args.events % 2:
        parser.error("--events must be even: two events an order")
    if args.beside_purchase_path:
        from webhook_beside import beside_purchase_path

        return beside_purchase_path(args)
    with tempfile.TemporaryDirectory(prefix="flashsale-webhooks-") as tmp:
        seeded = Path(tmp) / "seeded.db"
        print(f"seeding {args.events:,} order events ...", flush=True)
        asyncio.run(seed(seeded, args.events))
        # On uvloop, as `flashsale serve` and `flashsale worker` run.
        runs = [uvloop.run(one_run(seeded, Path(tmp), args, n)) for n in range(1, args.runs + 1)]
    report(runs, args)
    return 0


def report(runs: list[Run], args: argparse.Namespace) -> None:
    def med(name: str) -> float:
        return float(statistics.median(float(getattr(r, name)) for r in runs))

    print()
    print(
        f"{args.events:,} events, one subscription to all, SQLite synchronous=FULL,"
        f" {args.connections} connections ({args.connections // 2} a batch, 2 lanes);"
        f" medians of {len(runs)} runs"
    )
    print(f"feed read:   {med('feed'):>10,.0f} events/s   (target >= 200,000)")
    print(f"  baseline, raw sqlite3 fetch of the same join: {med('feed_raw'):,.0f} rows/s;"
          f" ratio {med('feed') / med('feed_raw'):.2f}")  # fmt: skip
    print(f"fan-out:     {med('fan_out'):>10,.0f} events/s   (a delivery each, cursor moved)")
    print(f"delivery:    {med('delivered'):>10,.0f} signed deliveries/s   (target >= 2,000)")
    print(f"  baseline, bare POSTs of the same client: {med('bare'):,.0f}/s;"
          f" ratio {med('delivered') / med('bare'):.2f}")  # fmt: skip
    print(f"  naive, one at a time ({args.naive:,}): {med('naive'):,.0f}/s;"
          f" batched is {med('delivered') / med('naive'):.1f}x")  # fmt: skip


if __name__ == "__main__":
    raise SystemExit(main())
