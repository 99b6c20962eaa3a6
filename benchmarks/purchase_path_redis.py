"""``purchase_path.py --backend redis``: flashsale on Redis + PostgreSQL against naive baselines.

    python benchmarks/purchase_path.py --backend redis [--workers 1|2] [--duration 10] [--runs 3]

In a scratch PostgreSQL database (dropped afterwards) and the Redis at --redis-url, four sales
with ample stock and the same registered fans, one sale per contender so each audit is its own:

- flashsale: ``flashsale serve --workers N`` (Redis gate, PostgreSQL record, group commit);
- naive (a): baselines/naive_redis.py, one redis-py EVALSHA + one PostgreSQL commit a request;
- row lock (b): baselines/row_lock.py, one transaction a request around SELECT ... FOR UPDATE
  of the sale's stock row;
- flashsale (events off): the same server with the order event feed off
  (FLASHSALE_ORDER_EVENTS=false), for the feed's cost: purchases/s on over off >= 0.97.

The baselines run under the same uvicorn (httptools, same worker count, same gc tuning as
flashsale's serve) so the figures differ by the purchase path only. Each run drives, with wrk
(-t1, keep-alive), flashsale's GET /healthz (the trivial endpoint), then each contender's
purchase route with fresh buyers; it prints the purchase/trivial ratio and flashsale's
throughput as a multiple of each baseline, medians of the runs. Load goes to 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from tempfile import TemporaryDirectory
from urllib.parse import urlsplit

import asyncpg
import orjson
from baselines.naive_redis import keys_of, load_gate
from baselines.row_lock import create_stock_row
from purchase_path import ADMIN, HERE, SECRET, WrkResult, all_bought, run_wrk, seed_sales
from redis.asyncio import Redis

from flashsale.lab.devtools.postgres_instance import scratch_database
from flashsale.lab.devtools.server_process import LOOPBACK, ServerProcess, free_port

LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}
CONTENDERS = ("flashsale", "naive (a)", "row lock (b)", "flashsale (events off)")
BASELINE_MODULES = {"naive (a)": "naive_redis", "row lock (b)": "row_lock"}
TARGETS = {"ratio": 0.6, "naive (a)": 3.0, "row lock (b)": 10.0, "events": 0.97}


class BaselineProcess:
    """A baseline app under uvicorn with ``workers`` processes, on a free loopback port."""

    def __init__(self, module: str, workers: int, env: dict[str, str], log: Path) -> None:
        self.port = free_port()
        self.url = f"http://{LOOPBACK}:{self.port}"
        command = [
            sys.executable, "-m", "uvicorn", f"baselines.{module}:create_app", "--factory",
            "--app-dir", str(HERE), "--host", LOOPBACK, "--port", str(self.port),
            "--workers", str(workers), "--http", "httptools", "--no-access-log",
            "--backlog", "4096", "--timeout-keep-alive", "75", "--log-level", "warning",
        ]  # fmt: skip
        with open(log, "ab") as out:
            self._process = subprocess.Popen(
                command, env={**os.environ, **env}, stdout=out, stderr=out
            )

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"baseline exited with {self._process.returncode}")
            with (
                contextlib.suppress(OSError, urllib.error.URLError),
                urllib.request.urlopen(f"{self.url}/healthz", timeout=1) as answer,
            ):
                if answer.status == 200:
                    return
            time.sleep(0.1)
        raise TimeoutError("the baseline did not answer /healthz")

    def stop(self) -> None:
        if self._process.poll() is None:
            self._process.send_signal(signal.SIGTERM)
            try:
                self._process.wait(20)
            except subprocess.TimeoutExpired:
                self._process.kill()


@contextlib.contextmanager
def stopping(*processes: BaselineProcess | ServerProcess) -> Iterator[None]:
    try:
        yield
    finally:
        for process in processes:
            process.stop()


def wait_for_workers(log: Path, workers: int, timeout: float = 60.0) -> None:
    """``ServerProcess`` returns once one worker answers; measure only once all of them do."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if log.read_text(errors="replace").count("Application startup complete") >= workers:
            return
        time.sleep(0.1)
    raise TimeoutError(f"{workers} workers did not all start; see {log}")


def admin_get(url: str) -> dict[str, object]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {ADMIN}"})
    with urllib.request.urlopen(request) as answer:
        return dict(orjson.loads(answer.read()))


async def orders_of(database_url: str, sale_id: str) -> int:
    connection = await asyncpg.connect(database_url.replace("+asyncpg", ""))
    try:
        found = await connection.fetchval(
            "SELECT coalesce(sum(quantity), 0) FROM orders WHERE sale_id = $1", sale_id
        )
        return int(found)
    finally:
        await connection.close()


async def prepare_baselines(
    database_url: str, redis_url: str, sales: dict[str, str], fans: int
) -> None:
    pool = await asyncpg.create_pool(database_url.replace("+asyncpg", ""), min_size=1, max_size=2)
    assert pool is not None
    redis = Redis.from_url(redis_url)
    try:
        await load_gate(redis, pool, sales["naive (a)"], fans)
        await create_stock_row(pool, sales["row lock (b)"], fans)
    finally:
        await pool.close()
        await redis.aclose()


async def run_redis(args: argparse.Namespace) -> int:
    for url in (args.database_server_url, args.redis_url):
        if urlsplit(url).hostname not in LOOPBACK_HOSTS:
            print(f"benchmarks send load to 127.0.0.1 only, not {url}", file=sys.stderr)
            return 2
    fans = args.fans_per_run * args.runs
    async with scratch_database(args.database_server_url) as database_url:
        print(f"seeding {fans:,} registered fans for 3 sales ...", flush=True)
        sale_ids, tokens = await seed_sales(database_url, fans, len(CONTENDERS))
        sales = dict(zip(CONTENDERS, sale_ids, strict=True))
        await prepare_baselines(database_url, args.redis_url, sales, fans)
        try:
            with TemporaryDirectory(prefix="flashsale-bench-") as tmp:
                results, report = await asyncio.to_thread(
                    measure, args, Path(tmp), database_url, sales, tokens
                )
                stored = {
                    name: await orders_of(database_url, sale_id) for name, sale_id in sales.items()
                }
        finally:
            redis = Redis.from_url(args.redis_url)
            try:
                await redis.delete(*keys_of(sales["naive (a)"]))
                for sale_id in sale_ids:  # flashsale's gate keys of the three sales
                    scratch = [key async for key in redis.scan_iter(match=f"fs:{{{sale_id}}}:*")]
                    if scratch:
                        await redis.delete(*scratch)
            finally:
                await redis.aclose()
    return summarise(args, results, report, stored)


def measure(
    args: argparse.Namespace,
    tmp: Path,
    database_url: str,
    sales: dict[str, str],
    tokens: list[str],
) -> tuple[dict[str, list[WrkResult]], dict[str, object]]:
    """Start the three servers, drive them with wrk, return the wrk results and our audit."""
    per_run = args.fans_per_run
    token_files: list[str] = []  # every fan is registered for every sale: one file a run
    for run in range(args.runs):
        path = tmp / f"tokens-{run}.txt"
        path.write_text("\n".join(tokens[run * per_run : (run + 1) * per_run]) + "\n")
        token_files.append(str(path))

    env = {
        "FLASHSALE_DATABASE_URL": database_url,
        "FLASHSALE_REDIS_URL": args.redis_url,
        "FLASHSALE_SECRET_KEY": SECRET,
        "FLASHSALE_ADMIN_TOKEN": ADMIN,
    }
    log = tmp / "flashsale.log"
    # Both flashsale servers leave expiry, webhooks and mail to workers, as a scaled-out shop
    # does: on one machine the idle one's background work (its order mail catching up on the
    # other's purchases) would otherwise take the busy one's CPU, and the on/off ratio would
    # measure that instead of the purchase path.
    workers = ("--workers", str(args.workers), "--no-sweeper")
    ours = ServerProcess(env, log_path=log, extra_args=workers)
    # The same server with the order event feed off, beside it: what the feed costs.
    off_log = tmp / "flashsale-events-off.log"
    ours_off = ServerProcess(
        {**env, "FLASHSALE_ORDER_EVENTS": "false"}, log_path=off_log, extra_args=workers
    )
    baseline_env = {
        "BASELINE_DATABASE_URL": database_url,
        "BASELINE_REDIS_URL": args.redis_url,
        "BASELINE_SECRET": SECRET,
    }
    baselines = {
        name: BaselineProcess(
            module,
            args.workers,
            {**baseline_env, "BASELINE_SALE_ID": sales[name]},
            tmp / f"{module}.log",
        )
        for name, module in BASELINE_MODULES.items()
    }
    with stopping(ours, ours_off, *baselines.values()):
        ours.start(timeout=60)
        wait_for_workers(log, args.workers)
        ours_off.start(timeout=60)
        wait_for_workers(off_log, args.workers)
        for baseline in baselines.values():
            baseline.wait_ready()
        base_url = {
            "flashsale": ours.url,
            "flashsale (events off)": ours_off.url,
            **{n: b.url for n, b in baselines.items()},
        }
        trivial_url = f"{ours.url}/healthz"
        run_wrk(trivial_url, 2, args.connections, None)  # warm-up
        results: dict[str, list[WrkResult]] = {"trivial": []}
        for run in range(args.runs):
            results["trivial"].append(run_wrk(trivial_url, args.seconds, args.connections, None))
            shown = [f"trivial {results['trivial'][-1].requests_per_second:,.0f}"]
            # Alternating the order each run cancels a drift of the machine within a run.
            for name in CONTENDERS if run % 2 == 0 else CONTENDERS[::-1]:
                url = f"{base_url[name]}/api/v1/sales/{sales[name]}/purchases"
                found = run_wrk(url, args.seconds, args.connections, [token_files[run]])
                results.setdefault(name, []).append(found)
                shown.append(
                    f"{name} {found.requests_per_second:,.0f} (201: {found.created},"
                    f" other: {found.refused})"
                )
            print(f"run {run + 1}: " + ", ".join(shown) + " req/s", flush=True)
        report = admin_get(f"{ours.url}/api/v1/admin/sales/{sales['flashsale']}/audit")
    return results, report


def summarise(
    args: argparse.Namespace,
    results: dict[str, list[WrkResult]],
    report: dict[str, object],
    stored: dict[str, int],
) -> int:
    def median(name: str) -> float:
        return statistics.median(r.requests_per_second for r in results[name])

    print()
    print(
        f"wrk -t1 -c{args.connections} -d{args.seconds}s, {args.runs} runs, medians;"
        f" {args.workers} server process(es) each; Redis + PostgreSQL (synchronous commit)"
    )
    print(f"{'endpoint':<34}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'201s':>10}")
    labels = {
        "trivial": "flashsale GET /healthz (trivial)",
        "flashsale": "flashsale POST purchases",
        "naive (a)": "naive (a): EVALSHA + commit each",
        "row lock (b)": "row lock (b): FOR UPDATE each",
        "flashsale (events off)": "flashsale, order events off",
    }
    for name, label in labels.items():
        found = results[name]
        created = sum(r.created or 0 for r in found) if name != "trivial" else None
        print(
            f"{label:<34}{median(name):>10,.0f}"
            f"{statistics.median(r.p50_ms for r in found):>10.2f}"
            f"{statistics.median(r.p99_ms for r in found):>10.2f}"
            f"{'' if created is None else f'{created:,}':>10}"
        )
    ours = median("flashsale")
    print(f"ratio purchase/trivial: {ours / median('trivial'):.2f} (target >= {TARGETS['ratio']})")
    for name in BASELINE_MODULES:
        print(f"flashsale / {name}: {ours / median(name):.1f}x (target >= {TARGETS[name]:.0f}x)")
    off = median("flashsale (events off)")
    print(f"ratio purchase events on/off: {ours / off:.3f} (target >= {TARGETS['events']})")
    print(
        f"audit (flashsale): reserved={report['reserved']}, oversold={report['oversold']},"
        f" customers_over_limit={report['customers_over_limit']}, clean={report['clean']}"
    )
    ok = bool(report["clean"])
    for name in CONTENDERS:
        created = sum(r.created or 0 for r in results[name])
        # wrk hangs up on requests in flight when its time is up: those orders are stored but
        # their 201 was never read, so the record may hold a few more than wrk counted.
        print(f"stored orders, {name}: {stored[name]:,} (201s read by wrk: {created:,})")
        ok = ok and stored[name] >= created and all_bought(results[name], name)
    return 0 if ok else 1
