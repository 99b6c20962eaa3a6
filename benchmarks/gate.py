"""Purchases per second through each stock gate, and what a purchase costs the client in CPU.

    python benchmarks/gate.py [--redis-url redis://127.0.0.1:6379/0] [--seconds 1.5] [--runs 3]
                              [--cluster/--no-cluster] [--buckets 3]

Every figure is the median of ``--runs`` runs measured in this invocation, and every ratio is to
the naive baseline of the same invocation: one EVALSHA per purchase, no coalescing. The ceiling
is ``redis-benchmark -P 16`` sending EVALSHA of the very same script to a scratch sale's keys.
With ``--cluster`` (the default when redis-server is installed) the same buyers also run on a
3-master Redis Cluster this script starts on loopback, with each sale in ``--buckets`` buckets,
and on the single server with the same buckets. Load goes to 127.0.0.1 only.
"""

from __future__ import annotations

import asyncio
import csv
import itertools
import shutil
import statistics
import subprocess
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import typer
from redis.asyncio import Redis
from rich.console import Console
from rich.table import Table

from flashsale.kernel.batching import Batcher
from flashsale.kernel.money import Money
from flashsale.lab.devtools.redis_cluster import LocalRedisCluster
from flashsale.platform.redis.client import AnyRedis, open_redis
from flashsale.platform.redis.sale_keys import SaleKeys
from flashsale.sales.adapters.local_gate import LocalStockGate
from flashsale.sales.adapters.redis_base import Item, Outcome
from flashsale.sales.adapters.redis_gate import RedisStockGate
from flashsale.sales.adapters.redis_scripts import TAKE, take_args, to_epoch_us
from flashsale.sales.domain.purchase import PurchaseRequest
from flashsale.sales.domain.sale import MAX_PER_CUSTOMER_LIMIT, MAX_STOCK, FlashSale
from flashsale.sales.ports import StockGate

OPENS = datetime(2030, 1, 1, tzinfo=UTC)
DURING = OPENS + timedelta(minutes=1)
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
CUSTOMERS_PER_BUYER = 16

console = Console()


class CountedRedisGate(RedisStockGate):
    """The Redis gate, telling ``on_batch`` how many purchases each script call decides."""

    def __init__(self, redis: AnyRedis, on_batch: Callable[[int], None], *, buckets: int) -> None:
        super().__init__(redis, buckets=buckets)
        self._on_batch = on_batch

    async def _decide(self, items: Sequence[Item]) -> list[Outcome]:
        self._on_batch(len(items))
        return await super()._decide(items)


class OneByOne(Batcher[Item, Outcome]):
    """Hands each item to the handler on its own, at once: no caller waits for another."""

    async def submit(self, item: Item) -> Outcome:
        (answer,) = await self._handler([item])
        return answer


class NaiveRedisGate(RedisStockGate):
    """The baseline: the Redis gate with every purchase its own EVALSHA, none coalesced."""

    def __init__(self, redis: AnyRedis, *, buckets: int) -> None:
        super().__init__(redis, buckets=buckets)
        self._batcher = OneByOne(self._decide)


def bench_sale() -> FlashSale:
    """A sale nobody can exhaust in a benchmark: the figures measure the gate, not refusals."""
    return FlashSale(
        id=f"sale_bench_{uuid.uuid4().hex}",
        sku="MI-BAND-3",
        market_code="IN",
        price=Money.of("999", "INR"),
        stock_total=MAX_STOCK,
        per_customer_limit=MAX_PER_CUSTOMER_LIMIT,
        registration_opens_at=OPENS - timedelta(hours=2),
        registration_closes_at=OPENS - timedelta(hours=1),
        opens_at=OPENS,
        closes_at=OPENS + timedelta(hours=1),
    )


@dataclass(frozen=True, slots=True)
class Run:
    purchases: int
    seconds: float
    cpu_seconds: float
    batches: int

    @property
    def per_second(self) -> float:
        return self.purchases / self.seconds

    @property
    def cpu_us_per_purchase(self) -> float:
        return self.cpu_seconds / self.purchases * 1e6

    @property
    def mean_batch(self) -> float:
        return self.purchases / self.batches if self.batches else float("nan")


async def buyers(gate: StockGate, sale: FlashSale, tasks: int, seconds: float) -> tuple[int, float]:
    """``tasks`` buyers each buying one unit at a time until the clock runs out.

    Each buyer takes turns among a few customers so that the in-process gate, which never yields
    and so lets one buyer run the whole time, stays far from the per-customer limit.
    """
    customers = [[f"fan{i}-{k}" for k in range(CUSTOMERS_PER_BUYER)] for i in range(tasks)]
    await gate.load(sale, {}, [c for mine in customers for c in mine])
    deadline = time.perf_counter() + seconds
    refused = 0

    async def buyer(mine: list[str]) -> int:
        nonlocal refused
        bought = 0
        requests = itertools.cycle([PurchaseRequest(sale.id, c, 1) for c in mine])
        while time.perf_counter() < deadline:
            (outcome,) = await gate.take_stamped([next(requests)], DURING)
            if isinstance(outcome, int):
                bought += 1
            else:
                refused += 1
        return bought

    started = time.perf_counter()
    bought = await asyncio.gather(*(buyer(mine) for mine in customers))
    elapsed = time.perf_counter() - started
    if refused:
        raise RuntimeError(f"{refused} purchases were refused; the figures would be wrong")
    return sum(bought), elapsed


async def measure(
    open_gate: Callable[[Callable[[int], None]], Awaitable[StockGate]],
    tasks: int,
    seconds: float,
    cleanup: Callable[[str], Awaitable[None]],
) -> Run:
    batch_sizes: list[int] = []
    gate = await open_gate(batch_sizes.append)
    sale = bench_sale()
    try:
        cpu_before = time.process_time()
        purchases, elapsed = await buyers(gate, sale, tasks, seconds)
        cpu = time.process_time() - cpu_before
    finally:
        await gate.close()
        await cleanup(sale.id)
    return Run(purchases, elapsed, cpu, len(batch_sizes))


def redis_benchmark_ceiling(
    url: str, sha: str, sale_id: str, take_args: list[str | int], requests: int
) -> float:
    parts = urlsplit(url)
    keys = SaleKeys.of(sale_id).all
    script_args = [str(arg) for arg in take_args]
    command = [
        "redis-benchmark",
        *("-h", parts.hostname or "127.0.0.1", "-p", str(parts.port or 6379)),
        *("-n", str(requests), "-c", "50", "-P", "16", "--csv"),
        *("EVALSHA", sha, str(len(keys)), *keys, *script_args),
        *("fan0-0", "1", str(to_epoch_us(DURING))),
    ]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rows = [row for row in csv.reader(output.splitlines()) if row and row[0] != "test"]
    return float(rows[-1][1])


async def main(
    url: str, seconds: float, runs: int, ceiling_requests: int, cluster: bool, buckets: int
) -> None:
    if urlsplit(url).hostname not in LOOPBACK:
        raise typer.BadParameter("benchmarks send load to 127.0.0.1 only")
    admin = Redis.from_url(url)

    async def cleanup(sale_id: str) -> None:
        # every bucket of the sale, and scratch keys a load left
        scratch = [key async for key in admin.scan_iter(match=f"fs:{{{sale_id}*")]
        await admin.delete(*SaleKeys.of(sale_id).all, *scratch)

    async def no_cleanup(_: str) -> None:
        return None

    def local(_: Callable[[int], None]) -> Awaitable[StockGate]:
        async def make() -> StockGate:
            return LocalStockGate()

        return make()

    def redis_gate(
        coalesce: bool, *, at: str = url, buckets: int = 1
    ) -> Callable[[Callable[[int], None]], Awaitable[StockGate]]:
        async def make(on_batch: Callable[[int], None]) -> StockGate:
            redis = await open_redis(at)
            if coalesce:
                return CountedRedisGate(redis, on_batch, buckets=buckets)
            return NaiveRedisGate(redis, buckets=buckets)

        return make

    async def median_of(
        label: str,
        make: Callable[[], Awaitable[Run]],
        by: Callable[[Run], float] = lambda run: run.per_second,
    ) -> Run:
        done = [await make() for _ in range(runs)]
        console.log(f"{label}: " + ", ".join(f"{r.per_second:,.0f}/s" for r in done))
        return sorted(done, key=by)[len(done) // 2]

    try:
        throughput = {
            "naive, 1 EVALSHA per purchase, N=64": await median_of(
                "naive N=64", lambda: measure(redis_gate(False), 64, seconds, cleanup)
            ),
            "in-process LocalStockGate, N=64": await median_of(
                "local N=64", lambda: measure(local, 64, seconds, no_cleanup)
            ),
            "Redis, coalescing, N=64": await median_of(
                "coalescing N=64", lambda: measure(redis_gate(True), 64, seconds, cleanup)
            ),
            "Redis, coalescing, N=512": await median_of(
                "coalescing N=512", lambda: measure(redis_gate(True), 512, seconds, cleanup)
            ),
        }
        if cluster:
            throughput |= await bucketed_figures(
                url, buckets, lambda label, make: median_of(label, make), redis_gate, seconds
            )
        ceiling = await ceiling_of(url, admin, runs, ceiling_requests, cleanup)

        def concurrent(size: int) -> Callable[[], Awaitable[Run]]:
            return lambda: measure(redis_gate(True), size, seconds * 2 / 3, cleanup)

        cpu = {
            size: await median_of(
                f"cpu, {size} buyers", concurrent(size), by=lambda run: run.cpu_us_per_purchase
            )
            for size in (1, 16, 128)
        }
    finally:
        await admin.aclose()
    report(throughput, ceiling, cpu, runs)


MedianOf = Callable[[str, Callable[[], Awaitable[Run]]], Awaitable[Run]]
GateMaker = Callable[..., Callable[[Callable[[int], None]], Awaitable[StockGate]]]


async def bucketed_figures(
    url: str, buckets: int, median_of: MedianOf, redis_gate: GateMaker, seconds: float
) -> dict[str, Run]:
    """The bucketed gate on this server and on a local 3-master cluster (hot-key relief)."""

    async def no_cleanup(_: str) -> None:
        return None  # the cluster is thrown away whole

    async def server_cleanup(sale_id: str) -> None:
        admin = Redis.from_url(url)
        try:
            keys = [key async for key in admin.scan_iter(match=f"fs:{{{sale_id}*")]
            if keys:
                await admin.delete(*keys)
        finally:
            await admin.aclose()

    figures: dict[str, Run] = {}
    figures[f"Redis, {buckets} buckets, N=512"] = await median_of(
        f"{buckets} buckets N=512",
        lambda: measure(redis_gate(True, buckets=buckets), 512, seconds, server_cleanup),
    )
    cluster = LocalRedisCluster(3)
    await asyncio.to_thread(cluster.start)
    try:
        for size in (1, buckets):
            gate = redis_gate(True, at=cluster.url, buckets=size)
            figures[f"Redis Cluster (3 masters), {size} bucket(s), N=512"] = await median_of(
                f"cluster {size} bucket(s) N=512",
                lambda gate=gate: measure(gate, 512, seconds, no_cleanup),  # type: ignore[misc]
            )
    finally:
        await asyncio.to_thread(cluster.stop)
    return figures


async def ceiling_of(
    url: str, admin: Redis, runs: int, requests: int, cleanup: Callable[[str], Awaitable[None]]
) -> float | None:
    if shutil.which("redis-benchmark") is None:
        console.log("redis-benchmark is not installed: no ceiling")
        return None
    sha = await admin.script_load(TAKE)
    figures = []
    for _ in range(runs):
        gate = await RedisStockGate.connect(url)
        sale = bench_sale()
        try:
            await gate.load(sale, {}, ["fan0-0"])
            figures.append(
                await asyncio.to_thread(
                    redis_benchmark_ceiling, url, sha, sale.id, take_args(1, sale.id, 0), requests
                )
            )
            left = await gate.stock_left(sale.id)
            if left != MAX_STOCK - requests:
                raise RuntimeError(f"redis-benchmark did not take every unit ({left} left)")
        finally:
            await gate.close()
            await cleanup(sale.id)
    console.log("redis-benchmark -P 16: " + ", ".join(f"{f:,.0f}/s" for f in figures))
    return statistics.median(figures)


def report(
    throughput: dict[str, Run], ceiling: float | None, cpu: dict[int, Run], runs: int
) -> None:
    baseline = next(iter(throughput.values())).per_second
    table = Table(title=f"Purchases per second (median of {runs})")
    table.add_column("gate")
    table.add_column("purchases/s", justify="right")
    table.add_column("× naive", justify="right")
    table.add_column("mean batch", justify="right")
    for label, run in throughput.items():
        batch = "" if run.batches == 0 else f"{run.mean_batch:,.1f}"
        table.add_row(label, f"{run.per_second:,.0f}", f"{run.per_second / baseline:.2f}", batch)
    if ceiling is not None:
        table.add_row(
            "ceiling: redis-benchmark -P 16 -c 50, EVALSHA",
            f"{ceiling:,.0f}",
            f"{ceiling / baseline:.2f}",
            "16",
        )
    console.print(table)
    costs = Table(title="Client CPU per purchase, Redis gate with coalescing")
    costs.add_column("concurrent buyers")
    costs.add_column("mean batch", justify="right")
    costs.add_column("CPU µs / purchase", justify="right")
    costs.add_column("purchases/s", justify="right")
    for size, run in cpu.items():
        costs.add_row(
            str(size),
            f"{run.mean_batch:,.1f}",
            f"{run.cpu_us_per_purchase:,.1f}",
            f"{run.per_second:,.0f}",
        )
    console.print(costs)


def cli(
    redis_url: str = typer.Option("redis://127.0.0.1:6379/0", help="a Redis on this machine"),
    seconds: float = typer.Option(1.5, min=0.1, help="length of each measured run"),
    runs: int = typer.Option(3, min=1, help="runs per figure; the median is reported"),
    ceiling_requests: int = typer.Option(200_000, min=1_000, help="EVALSHAs per redis-benchmark"),
    cluster: bool = typer.Option(
        shutil.which("redis-server") is not None,
        help="also measure bucketed stock, on this server and a local 3-master Redis Cluster",
    ),
    buckets: int = typer.Option(3, min=1, help="stock buckets per sale for the bucketed figures"),
) -> None:
    asyncio.run(main(redis_url, seconds, runs, ceiling_requests, cluster, buckets))


if __name__ == "__main__":
    typer.run(cli)
