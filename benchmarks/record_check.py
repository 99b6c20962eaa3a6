"""What the record's check of each group commit costs the purchase path: the same server with and
without it, side by side in one run. With ``--compare events``: what the order event feed's rows
cost it, the same way.

    python benchmarks/record_check.py [--backend sqlite|redis] [--seconds 8] [--runs 4]
        [--compare check|events]

The group commit's transaction checks every batch against the record (the sale's units held and
each customer's live units; ``orders/domain/placement.py``) and moves the sale's count, so that
no gate state, however wrong, can oversell. Before that check the commit only inserted the
orders and their events. This benchmark measures that difference alone, on today's code: it
starts two ``flashsale serve`` processes on copies of one seeded record (sqlite) or on two sales
of one scratch PostgreSQL database and the Redis gate (redis, ``--workers 1``, expiry left to
workers as a scaled-out shop does), identical but for one thing. The second one's interpreter
loads ``record_check_off/sitecustomize.py`` (through PYTHONPATH), which swaps the commit for
the one without the check: on SQLite the INSERTs and events alone; on PostgreSQL
``place_orders_unchecked`` (created here in the scratch database), the same INSERTs and events
without the lock, the reads or the count. A benchmark's tool only: the shop has no switch to
turn its check off.

Each run drives both with wrk (-t1, keep-alive, fresh buyers), in alternating order, and reads
each server's CPU time from /proc before and after: purchases/s and the server's CPU per
purchase (what a busy or drifting machine inflates least). It prints the medians and the
ratios with the check over without (the criterion: purchases/s >= 0.95), and each server's group
commits from its /metrics: how many, their mean size and time (a cost per commit weighs more on
each order of a smaller batch; a commit that takes longer holds its buyers longer). Both
servers keep drift healing off (``FLASHSALE_GATE_DRIFT_SETTLE_SECONDS=3600``): without the count
the second one's record would always look drifted.

``--compare events``: the second server runs with the feed off (``FLASHSALE_ORDER_EVENTS=false``)
and both load ``feed_readers_off/sitecustomize.py``, which keeps the back office's feed readers
from starting in the server (order mail, webhooks, reporting, fulfilment, the desk). An embedded
server runs them in its own process: with the feed on they would read every purchase's event
and mail a confirmation for each, with it off nothing, and the ratio would price that work
rather than the rows (the back office's own benchmarks run the purchase path beside it).
Criterion: >= 0.97.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import os
import shutil
import statistics
import sys
import tempfile
import urllib.request
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import asyncpg
from purchase_path import (
    ADMIN,
    DEFAULT_DATABASE_SERVER,
    DEFAULT_REDIS_URL,
    SECRET,
    WrkResult,
    all_bought,
    run_wrk,
    seed_sales,
)
from purchase_path_redis import admin_get
from redis.asyncio import Redis

from flashsale.lab.devtools.postgres_instance import scratch_database
from flashsale.lab.devtools.server_process import ServerProcess

HERE = Path(__file__).parent
SIDES = ("with", "without")
WHAT = {"check": "the check", "events": "the feed"}  # what the first side has and the second not
CRITERION = {"check": 0.95, "events": 0.97}
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
COMMIT_SERIES = (
    "flashsale_commit_batch_size_count",
    "flashsale_commit_batch_size_sum",
    "flashsale_commit_seconds_sum",
)

# The commit as it was before the record's check, for the second server only.
UNCHECKED_FUNCTION = """
CREATE OR REPLACE FUNCTION place_orders_unchecked(batch jsonb, sale_ids text[], with_events boolean)
RETURNS TABLE (order_id varchar, outcome smallint)
LANGUAGE plpgsql AS $fn$
BEGIN
  RETURN QUERY
  WITH stored AS (
    INSERT INTO orders (id, sale_id, customer_id, sku, quantity, amount, currency, status,
                        created_at, expires_at, paid_at, closed_at, idempotency_key)
    SELECT r.id, r.sale_id, r.customer_id, r.sku, r.quantity, r.amount, r.currency,
           r.status, r.created_at, r.expires_at, r.paid_at, r.closed_at, r.idempotency_key
    FROM jsonb_populate_recordset(NULL::orders, batch) AS r
    ON CONFLICT (customer_id, idempotency_key) DO NOTHING
    RETURNING orders.id, orders.customer_id, orders.status, orders.created_at
  ),
  evented AS (
    INSERT INTO order_events (order_id, kind, at, actor)
    SELECT t.id, 'order.' || t.status, t.created_at, 'customer:' || t.customer_id
    FROM stored AS t WHERE with_events
    RETURNING order_events.seq
  )
  SELECT t.id::varchar, 0::smallint FROM stored AS t;
END
$fn$;
"""

SITECUSTOMIZE = '''
"""Loaded by the benchmark's second server only: the group commit without the record's check."""

from flashsale.orders.adapters import pg_orders, sqlite_orders
from flashsale.orders.domain.placement import Placement


def _run_unchecked(self, conn):
    cursor = conn.connection.driver_connection.cursor()
    try:
        last = sqlite_orders._last_order(cursor) if self.with_events else 0
        stored = self.statements.run(cursor)
        if self.with_events and stored:
            sqlite_orders._append_events(cursor, last)
        return Placement(stored=stored)
    finally:
        cursor.close()


sqlite_orders.PreparedPlacement.run = _run_unchecked
_init = pg_orders.PostgresOrderInserter.__init__


def _init_unchecked(self, dialect):
    _init(self, dialect)
    self.sql = self.sql.replace("place_orders(", "place_orders_unchecked(")


pg_orders.PostgresOrderInserter.__init__ = _init_unchecked
'''


READERS_OFF = '''
"""Loaded by both servers of --compare events: the back office's feed readers never start."""

from flashsale import bootstrap


def _not_started(self):
    return None


async def _not_started_async(self):
    return None


for _name in ("start_webhooks", "start_reports", "start_fulfilment", "start_desk"):
    setattr(bootstrap.Shop, _name, _not_started)
bootstrap.Shop.start_order_mail = _not_started_async
'''


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its live children (a server's workers)."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(entry.name) == pid or int(fields[1]) == pid:
            total += (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    return total


def commit_figures(server_url: str) -> tuple[float, float, float]:
    """The server's group commits so far, the orders they stored and their seconds: what the
    per-batch costs of a commit are shared by (a smaller batch pays more of them an order)."""
    request = urllib.request.Request(
        f"{server_url}/metrics", headers={"Authorization": f"Bearer {ADMIN}"}
    )
    with urllib.request.urlopen(request) as answer:
        text = answer.read().decode()
    found = dict.fromkeys(COMMIT_SERIES, 0.0)
    for line in text.splitlines():
        name, _, value = line.partition(" ")
        if name in found:
            found[name] = float(value)
    count, orders, seconds = found.values()
    return max(count, 1.0), orders, seconds


def measured(pid: int, drive: Callable[[], WrkResult], seconds: int) -> tuple[WrkResult, float]:
    """wrk's result and the server's CPU µs per request it answered."""
    before = cpu_seconds(pid)
    found = drive()
    used = cpu_seconds(pid) - before
    return found, used / (found.requests_per_second * seconds) * 1e6


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "redis"], default="sqlite")
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--runs", type=int, default=4)
    parser.add_argument("--fans-per-run", type=int, default=40_000)
    parser.add_argument("--database-server-url", default=DEFAULT_DATABASE_SERVER)
    parser.add_argument("--redis-url", default=DEFAULT_REDIS_URL)
    parser.add_argument("--compare", choices=["check", "events"], default="check")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is not on PATH: apt-get install wrk", file=sys.stderr)
        return 2
    for url in (args.database_server_url, args.redis_url):
        if urlsplit(url).hostname not in {"127.0.0.1", "localhost", "::1"}:
            print(f"benchmarks send load to 127.0.0.1 only, not {url}", file=sys.stderr)
            return 2
    with tempfile.TemporaryDirectory(prefix="flashsale-check-") as tmp:
        patch = Path(tmp) / ("record_check_off" if args.compare == "check" else "feed_readers_off")
        patch.mkdir()
        (patch / "sitecustomize.py").write_text(
            SITECUSTOMIZE if args.compare == "check" else READERS_OFF
        )
        if args.backend == "sqlite":
            return run_sqlite(args, Path(tmp), patch)
        return asyncio.run(run_redis(args, Path(tmp), patch))


def common_env() -> dict[str, str]:
    return {
        "FLASHSALE_SECRET_KEY": SECRET,
        "FLASHSALE_ADMIN_TOKEN": ADMIN,
        "FLASHSALE_GATE_DRIFT_SETTLE_SECONDS": "3600",
    }


def side_env(side: str, patch: Path, compare: str) -> dict[str, str]:
    """What sets a side apart: the patch loaded (the second side's, or both with --compare
    events), and the feed off for the second side of --compare events."""
    env = {}
    if side == "without" or compare == "events":
        path = os.environ.get("PYTHONPATH")
        env["PYTHONPATH"] = f"{patch}{os.pathsep}{path}" if path else str(patch)
    if side == "without" and compare == "events":
        env["FLASHSALE_ORDER_EVENTS"] = "false"
    return env


def token_files(tmp: Path, tokens: list[str], args: argparse.Namespace) -> list[str]:
    files = []
    for run in range(args.runs):
        path = tmp / f"tokens-{run}.txt"
        chunk = tokens[run * args.fans_per_run : (run + 1) * args.fans_per_run]
        path.write_text("\n".join(chunk) + "\n")
        files.append(str(path))
    return files


def run_sqlite(args: argparse.Namespace, tmp: Path, patch: Path) -> int:
    seeded = tmp / "seeded.db"
    fans = args.fans_per_run * args.runs
    print(f"seeding {fans:,} registered fans ...", flush=True)
    (sale_id,), tokens = asyncio.run(seed_sales(f"sqlite+aiosqlite:///{seeded}", fans, 1))
    files = token_files(tmp, tokens, args)
    servers = {}
    for n, side in enumerate(SIDES):
        copy = tmp / f"side-{n}.db"
        for suffix in ("", "-wal", "-shm"):
            if Path(f"{seeded}{suffix}").exists():
                shutil.copyfile(f"{seeded}{suffix}", f"{copy}{suffix}")
        env = {**common_env(), "FLASHSALE_DATABASE_URL": f"sqlite+aiosqlite:///{copy}"}
        env.update(side_env(side, patch, args.compare))
        servers[side] = ServerProcess(env, log_path=tmp / f"server-{n}.log")
    sales = dict.fromkeys(SIDES, sale_id)
    return drive(args, servers, sales, files, "one server process each, SQLite FULL")


async def run_redis(args: argparse.Namespace, tmp: Path, patch: Path) -> int:
    fans = args.fans_per_run * args.runs
    async with scratch_database(args.database_server_url) as database_url:
        print(f"seeding {fans:,} registered fans for 2 sales ...", flush=True)
        sale_ids, tokens = await seed_sales(database_url, fans, len(SIDES))
        connection = await asyncpg.connect(database_url.replace("+asyncpg", ""))
        try:
            await connection.execute(UNCHECKED_FUNCTION)
        finally:
            await connection.close()
        files = token_files(tmp, tokens, args)
        env = {
            **common_env(),
            "FLASHSALE_DATABASE_URL": database_url,
            "FLASHSALE_REDIS_URL": args.redis_url,
        }
        workers = ("--workers", "1", "--no-sweeper")
        servers = {
            side: ServerProcess(
                {**env, **side_env(side, patch, args.compare)},
                log_path=tmp / f"server-{n}.log",
                extra_args=workers,
            )
            for n, side in enumerate(SIDES)
        }
        sales = dict(zip(SIDES, sale_ids, strict=True))
        try:
            return await asyncio.to_thread(
                drive, args, servers, sales, files, "Redis gate, PostgreSQL record, 1 worker each"
            )
        finally:
            redis = Redis.from_url(args.redis_url)
            try:
                for sale_id in sale_ids:
                    found = [key async for key in redis.scan_iter(match=f"fs:{{{sale_id}}}:*")]
                    if found:
                        await redis.delete(*found)
            finally:
                await redis.aclose()


def drive(
    args: argparse.Namespace,
    servers: dict[str, ServerProcess],
    sales: dict[str, str],
    files: list[str],
    setting: str,
) -> int:
    results: dict[str, list[tuple[WrkResult, float]]] = {side: [] for side in SIDES}
    try:
        for server in servers.values():
            server.start(timeout=60)
            run_wrk(f"{server.url}/healthz", 2, args.connections, None)  # warm-up
        for run in range(args.runs):
            shown = []
            for side in SIDES if run % 2 == 0 else SIDES[::-1]:
                server = servers[side]
                url = f"{server.url}/api/v1/sales/{sales[side]}/purchases"
                tokens = [files[run]]
                found = measured(
                    server.pid,
                    functools.partial(run_wrk, url, args.seconds, args.connections, tokens),
                    args.seconds,
                )
                results[side].append(found)
                shown.append(
                    f"{side} {WHAT[args.compare]}: {found[0].requests_per_second:,.0f} purchases/s,"
                    f" {found[1]:,.0f} µs CPU each (201: {found[0].created})"
                )
            print(f"run {run + 1}: " + "; ".join(shown), flush=True)
        audits = {
            side: admin_get(f"{servers[side].url}/api/v1/admin/sales/{sales[side]}/audit")
            for side in SIDES
        }
        commits = {side: commit_figures(servers[side].url) for side in SIDES}
    finally:
        for server in servers.values():
            server.stop()
    print()
    print(f"wrk -t1 -c{args.connections} -d{args.seconds}s, {args.runs} runs, medians; {setting}")
    rate = {s: statistics.median(r.requests_per_second for r, _ in results[s]) for s in SIDES}
    cpu = {s: statistics.median(c for _, c in results[s]) for s in SIDES}
    p99 = {s: statistics.median(r.p99_ms for r, _ in results[s]) for s in SIDES}
    what = WHAT[args.compare]
    for side in SIDES:
        print(
            f"  {side + ' ' + what:<20} {rate[side]:>8,.0f} purchases/s"
            f"  {cpu[side]:>6,.0f} µs server CPU a purchase  p99 {p99[side]:.1f} ms"
        )
    with_it, without = SIDES
    print(
        f"with {what} / without: purchases/s {rate[with_it] / rate[without]:.3f}"
        f" (criterion >= {CRITERION[args.compare]}); CPU a purchase"
        f" {cpu[with_it] / cpu[without]:.3f}"
    )
    for side in SIDES:
        count, orders, seconds = commits[side]
        print(
            f"group commits ({side} {what}): {count:,.0f}, {orders / count:.1f} orders"
            f" and {seconds / count * 1e3:.2f} ms each (the server's /metrics, warm-up included)"
        )
    ok = True
    for side in SIDES:
        audit = audits[side]
        print(
            f"audit ({side} {what}): reserved={audit['reserved']},"
            f" counted={audit['units_counted']},"
            f" oversold={audit['oversold']}"
        )
        ok = ok and all_bought([r for r, _ in results[side]], side)
    return 0 if ok and audits[with_it]["clean"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
