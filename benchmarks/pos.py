"""The point of sale under a store chain's load: 100 stores x 4 tills selling at an open-loop
rate, with the latency of each sale; against one till selling alone in the same run.

    python benchmarks/pos.py [--stores 100] [--tills 4] [--rate 200] [--seconds 60]
                             [--backend sqlite|postgres] [--http [--only-pos]]

Seeds a fresh database (SQLite in WAL with synchronous=FULL, as served; PostgreSQL on
FLASHSALE_TEST_DATABASE_URL's server, a database of its own, dropped afterwards) with India, one
band priced ₹999, ``--stores`` stores with 100,000 bands each on their shelf, a clerk and
``--tills`` tills per store. Not timed. Then, through ``PointOfSale.sell`` (the use case the
API's handler calls: price list, the store's market, then the group commit: the sales that
arrive together share one transaction of receipt counters, guarded decrements, sales, lines and
ledger moves, each sale decided on its own):

- baseline: one till selling one band after the other for ``--seconds / 6`` seconds: the
  unloaded latency of a sale, and what one till can do.
- load: every till sells at ``--rate / (stores x tills)`` sales a second on its own clock
  (open loop: a slow answer does not slow the arrivals, so queueing shows in the latency), for
  ``--seconds``. Goal (issue 19): 200 sales/s with p99 <= 50 ms.

Each phase also prints this process's CPU time per sale (every thread: SQLite's writer too),
what the tills take from the purchase path when both run in one process. The purchase path's
own rate beside this load (issue 19: >= 0.95x of itself without it) is not measured here.

--http: the same sales sent as a till sends them, ``POST /api/v1/pos/sales`` with a clerk's
staff session and the till's token, to a ``flashsale serve`` on the seeded database; the
latency is the till's (HTTP included), the CPU per sale the server's (``/proc/<pid>/stat``), with
the part on the event loop's thread (what the purchases share; the rest is mostly SQLite's
writer thread), after the server's CPU a second with no sale at all (its background loops,
which the figure a sale includes: at 200 sales/s each ms a second is 5 µs a sale).

Afterwards the stock audit must be clean and the receipt numbers of every store gap-free.
Keep ``--seconds`` <= 30 on a shared machine.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import tempfile
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any, Protocol

import aiohttp
import asyncpg
import uvloop
from sqlalchemy import text
from sqlalchemy.engine import make_url

from flashsale.catalog.market import Market
from flashsale.catalog.model import Product, Variant
from flashsale.catalog.service import Catalog
from flashsale.inventory.domain.location import Location, LocationKind
from flashsale.inventory.domain.stock import MoveKind, StockChange
from flashsale.inventory.service.audit import StockAuditing
from flashsale.kernel.clock import SystemClock
from flashsale.kernel.keys import STAFF, derive_key
from flashsale.kernel.money import Money
from flashsale.lab.devtools.server_process import ServerProcess
from flashsale.orders.adapters.sandbox_payments import SandboxPaymentGateway
from flashsale.platform.sql.migrate import upgrade_database
from flashsale.record.sql_store import SqlStore
from flashsale.staff.model import Role, StaffMember
from flashsale.staff.tokens import StaffTokens
from flashsale.stores.domain.sale import TenderMethod
from flashsale.stores.domain.store import StoreProfile, parse_week
from flashsale.stores.service.assembly import Stores, build_stores
from flashsale.stores.service.selling import SaleRequest
from flashsale.stores.service.session import PosCaller

SKU = "MIBAND2-BLK"
SHELF = 100_000
PG_SERVER = os.environ.get(
    "FLASHSALE_TEST_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
CLERK = StaffMember(
    "stf_bench", "clerk@bench.example", "-", frozenset({Role.CLERK}), frozenset(), (),
    datetime(2017, 5, 20, tzinfo=UTC),
)  # fmt: skip
SALE = SaleRequest([(SKU, 1)], TenderMethod.CASH, Decimal("1000"))
SECRET = "benchmark-secret-key-0123456789abcdef"


class NoStaff:
    async def find(self, id_or_email: str) -> None:
        return None


@dataclass
class Figures:
    sales: int
    seconds: float
    latencies: list[float]
    cpu: float  # this process's CPU seconds over the phase, every thread (SQLite's writer too)

    def line(self, name: str) -> str:
        ms = sorted(x * 1000 for x in self.latencies)
        p50 = statistics.median(ms)
        p99 = ms[min(len(ms) - 1, int(len(ms) * 0.99))]
        rate = self.sales / self.seconds
        return (
            f"{name:<9} {self.sales:>7,} sales  {rate:>8.1f}/s"
            f"  p50 {p50:6.1f} ms  p99 {p99:6.1f} ms"
            f"  CPU {self.cpu / max(1, self.sales) * 1e6:5.0f} µs/sale"
        )


async def seed(store: SqlStore, stores: int, tills: int) -> tuple[Stores, list[PosCaller]]:
    await store.add_markets([Market("IN", "India", "INR", "en_IN", "Asia/Kolkata")])
    band = Variant(SKU, "prod_band", {}, {"IN": Money(Decimal("999.00"), "INR")})
    await store.add_product(Product("prod_band", "Mi Band 2", (band,)))
    await store.add_staff_member(CLERK)
    week = parse_week({"mon": "10:00-21:00"})
    service = build_stores(store, Catalog(store), NoStaff(), SandboxPaymentGateway(), SystemClock())
    callers = []
    for n in range(stores):
        code = f"MH-{n:03d}"
        location = Location(code, f"Mi Home {n}", "IN", "Asia/Kolkata", kind=LocationKind.STORE)
        await store.store_add(location, StoreProfile(code, week), [CLERK.id])
        await store.record_changes(
            [StockChange(code, SKU, MoveKind.RECEIPT, SHELF, "bench", "bench", datetime.now(UTC))]
        )
        for t in range(tills):
            till, _ = await service.tills.add(code, f"Till {t}")
            callers.append(await service.sessions.at(till, CLERK))
    return service, callers


class Seller(Protocol):
    async def sell(self, caller: Any, request: SaleRequest, key: str, /) -> object: ...


class Selling(Protocol):
    """``Stores``, or a stand-in whose ``pos.sell`` goes over HTTP."""

    @property
    def pos(self) -> Seller: ...


class Cpu(Protocol):
    def __call__(self) -> float: ...


class HttpTill:
    """``sell`` as a till calls it: the sale over HTTP, the caller its two credentials."""

    def __init__(self, session: aiohttp.ClientSession, server_url: str) -> None:
        self.pos = self
        self._session = session
        self._url = f"{server_url}/api/v1/pos/sales"

    async def sell(self, caller: dict[str, str], sale: SaleRequest, key: str) -> None:
        body = {
            "lines": [{"sku": sku, "quantity": quantity} for sku, quantity in sale.lines],
            "payment": {"method": sale.method.value, "tendered": str(sale.tendered)},
        }
        headers = {**caller, "Idempotency-Key": key}
        async with self._session.post(self._url, json=body, headers=headers) as answer:
            if answer.status != 201:
                raise RuntimeError(f"a POS sale answered {answer.status}: {await answer.text()}")
            await answer.read()


def cpu_of(pid: int, thread: int | None = None) -> float:
    """User + system CPU seconds of a process so far, every thread (or only ``thread``)."""
    where = f"/proc/{pid}/stat" if thread is None else f"/proc/{pid}/task/{thread}/stat"
    stat = Path(where).read_text().rsplit(")", 1)[1].split()
    return (int(stat[11]) + int(stat[12])) / os.sysconf("SC_CLK_TCK")


async def idle_cpu(cpu: Cpu, seconds: float = 3.0) -> float:
    """CPU seconds a second the server spends with no request at all (its background loops)."""
    before, started = cpu(), time.perf_counter()
    await asyncio.sleep(seconds)
    return (cpu() - before) / (time.perf_counter() - started)


async def baseline(
    service: Selling, caller: Any, seconds: float, cpu_now: Cpu = time.process_time
) -> Figures:
    latencies: list[float] = []
    cpu = cpu_now()
    started = time.perf_counter()
    while time.perf_counter() - started < seconds:
        t = time.perf_counter()
        await service.pos.sell(caller, SALE, uuid.uuid4().hex)
        latencies.append(time.perf_counter() - t)
    elapsed = time.perf_counter() - started
    return Figures(len(latencies), elapsed, latencies, cpu_now() - cpu)


async def load(
    service: Selling,
    callers: Sequence[Any],
    rate: float,
    seconds: float,
    cpu_now: Cpu = time.process_time,
) -> Figures:
    per_till = rate / len(callers)
    latencies: list[float] = []
    errors: list[BaseException] = []
    cpu = cpu_now()
    started = time.perf_counter()

    async def one(caller: PosCaller) -> None:
        t = time.perf_counter()
        try:
            await service.pos.sell(caller, SALE, uuid.uuid4().hex)
        except Exception as exc:  # counted, and the run fails below
            errors.append(exc)
            return
        latencies.append(time.perf_counter() - t)

    async def till(caller: Any, offset: float) -> None:
        tasks = []
        due = started + offset
        while due < started + seconds:
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            tasks.append(asyncio.create_task(one(caller)))
            due += 1 / per_till
        await asyncio.gather(*tasks)

    spread = 1 / per_till / len(callers)
    await asyncio.gather(*(till(c, i * spread) for i, c in enumerate(callers)))
    if errors:
        raise RuntimeError(f"{len(errors)} sales failed, the first: {errors[0]!r}")
    return Figures(len(latencies), seconds, latencies, cpu_now() - cpu)


async def check(store: SqlStore, stores: int) -> None:
    report = await StockAuditing(store, store).audit()
    assert report.clean, [d.describe() for d in report.discrepancies]
    async with store.engine.connect() as conn:
        gaps = (
            await conn.execute(
                text(
                    "SELECT count(*) FROM (SELECT store_code, max(number) AS top, count(*) AS n"
                    " FROM pos_sales GROUP BY store_code) AS s WHERE top <> n"
                )
            )
        ).scalar_one()
    assert gaps == 0, f"{gaps} stores have a gap in their receipt numbers"


async def run(url: str, args: argparse.Namespace) -> None:
    await upgrade_database(url)
    store = await SqlStore.open(url)
    try:
        service, callers = await seed(store, args.stores, args.tills)
        print(f"{args.backend}: {args.stores} stores x {args.tills} tills seeded", flush=True)
        if args.http:
            await over_http(url, service, args)
        else:
            alone = await baseline(service, callers[0], max(1.0, args.seconds / 6))
            print(alone.line("baseline"), flush=True)
            loaded = await load(service, callers, args.rate, args.seconds)
            print(loaded.line("load"), flush=True)
        await check(store, args.stores)
        print("stock audit clean; receipt numbers gap-free in every store")
    finally:
        await store.close()


async def over_http(url: str, service: Stores, args: argparse.Namespace) -> None:
    staff = StaffTokens(derive_key(SECRET, STAFF)).issue(CLERK.id, 0)
    tills = []
    for found in await service.directory.all("IN"):
        for n in range(args.tills):
            _, token = await service.tills.add(found.location.code, f"HTTP till {n}")
            tills.append({"Authorization": f"Bearer {staff}", "Till-Token": token})
    env = {
        "FLASHSALE_DATABASE_URL": url,
        "FLASHSALE_SECRET_KEY": SECRET,
        "FLASHSALE_ADMIN_TOKEN": "benchmark-admin-token-0123456789",
    }
    server = ServerProcess(env, extra_args=("--only", "pos") if args.only_pos else ())
    await asyncio.to_thread(server.start)
    try:
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=256)) as session:
            seller = HttpTill(session, server.url)
            cpu = partial(cpu_of, server.pid)
            # Each till's first sale opens its connection and warms the server's caches.
            await load(seller, tills, len(tills), 1.0, cpu)
            idle = await idle_cpu(cpu)
            print(
                f"idle      {idle * 1e3:.1f} ms of server CPU a second with no sale (background"
                f" loops): {idle / args.rate * 1e6:.0f} µs a sale at {args.rate:g}/s",
                flush=True,
            )
            alone = await baseline(seller, tills[0], max(1.0, args.seconds / 6), cpu)
            print(alone.line("baseline"), f"(HTTP; load {os.getloadavg()[0]:.2f})", flush=True)
            spy = None
            if args.profile:  # py-spy on the server for the loaded phase
                spy = subprocess.Popen(  # noqa: ASYNC220 (started once, not timed)
                    ["py-spy", "record", "-p", str(server.pid), "-d", str(int(args.seconds)),
                     "-f", "raw", "-o", args.profile],
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                )  # fmt: skip
            loop_before = cpu_of(server.pid, server.pid)
            loaded = await load(seller, tills, args.rate, args.seconds, cpu)
            on_loop = (cpu_of(server.pid, server.pid) - loop_before) / max(1, loaded.sales)
            if spy is not None:
                await asyncio.to_thread(spy.wait)
            print(
                loaded.line("load"),
                f"(HTTP; {on_loop * 1e6:.0f} on the event loop's thread; load"
                f" {os.getloadavg()[0]:.2f})",
                flush=True,
            )
    finally:
        await asyncio.to_thread(server.stop)


async def admin(sql: str) -> None:
    dsn = make_url(PG_SERVER).set(drivername="postgresql").render_as_string(hide_password=False)
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def main_async(args: argparse.Namespace) -> None:
    if args.backend == "sqlite":
        with tempfile.TemporaryDirectory() as where:
            await run(f"sqlite+aiosqlite:///{Path(where) / 'pos.db'}", args)
        return
    name = f"flashsale_bench_pos_{uuid.uuid4().hex[:8]}"
    await admin(f'CREATE DATABASE "{name}"')
    try:
        await run(
            make_url(PG_SERVER).set(database=name).render_as_string(hide_password=False), args
        )
    finally:
        await admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stores", type=int, default=100)
    parser.add_argument("--tills", type=int, default=4)
    parser.add_argument("--rate", type=float, default=200.0, help="sales a second, all tills")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--http", action="store_true", help="through a `flashsale serve`")
    parser.add_argument("--profile", help="--http: py-spy's raw profile of the loaded server")
    parser.add_argument(
        "--only-pos",
        action="store_true",
        help="--http: the server is the point of sale's own (`flashsale serve --only pos`)",
    )
    uvloop.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
