"""``flashsale worker`` as a real process: it expires due orders, and racing workers return each
unit once because the store's status-guarded transition decides which of them expires an order."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest
from redis.asyncio import Redis
from sqlalchemy import TextClause, text
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine
from typer.testing import CliRunner

from flashsale.bootstrap import running_shop
from flashsale.catalog.market import Market
from flashsale.catalog.service import VariantSpec
from flashsale.cli.app import app
from flashsale.config import Settings
from flashsale.customers.model import Customer
from flashsale.kernel.clock import ManualClock
from flashsale.kernel.ids import new_id
from flashsale.lab.devtools.server_process import ServerProcess
from flashsale.orders.domain.order import OrderStatus
from flashsale.platform.redis.sale_keys import SaleKeys
from flashsale.platform.sql.migrate import upgrade_database
from flashsale.sales.service.sales import SaleSpec
from tests.conftest import fast_settings
from tests.contract.conftest import migrated_postgres_database
from tests.e2e.live import (
    add_india,
    audit,
    create_band_sale,
    json_of,
    register_fans,
    server_env,
    sign_up_fans,
    wait_until_open,
)

SKU = "MIBAND2-BLK"
WORKER_TIMEOUT = 60.0
EXPIRED_LINE = re.compile(r"expired ([\d,]+) unpaid orders")


@dataclass(frozen=True, slots=True)
class Worker:
    returncode: int
    output: str

    @property
    def expired(self) -> int:
        """Orders this worker expired, summed over the lines it printed."""
        return sum(int(n.replace(",", "")) for n in EXPIRED_LINE.findall(self.output))


def worker_env(database_url: str, redis_url: str | None = None) -> dict[str, str]:
    env = {"FLASHSALE_DATABASE_URL": database_url, "COLUMNS": "200"}
    if redis_url is not None:
        env["FLASHSALE_REDIS_URL"] = redis_url
    return env


async def start_worker(env: dict[str, str], *args: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "flashsale",
        "worker",
        *args,
        env={**os.environ, **env},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )


async def finished(process: asyncio.subprocess.Process) -> Worker:
    try:
        output, _ = await asyncio.wait_for(process.communicate(), WORKER_TIMEOUT)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise
    assert process.returncode is not None
    return Worker(process.returncode, output.decode())


async def forget_sale_keys(redis_url: str, sale_id: str) -> int:
    """Delete the sale's gate (what FLUSHALL does to it); returns how many keys went."""
    redis = Redis.from_url(redis_url)
    try:
        keys = [key async for key in redis.scan_iter(match=f"fs:{{{sale_id}}}:*", count=1000)]
        return int(await redis.delete(*keys)) if keys else 0
    finally:
        await redis.aclose()


async def due_reservations(settings: Settings, *, stock: int, buyers: int, each: int) -> str:
    """A sale whose ``buyers * each`` one-unit reservations passed their payment window an hour
    ago; bought through the shop (gate, then group commit) on a clock set in the past."""
    start = datetime.now(UTC) - timedelta(hours=2)
    clock = ManualClock(start)
    async with running_shop(settings, clock=clock) as shop:
        await shop.catalog.add_markets([Market("IN", "India", "INR", "en_IN")])
        await shop.catalog.add_product(
            "Mi Band 2", [VariantSpec(SKU, {"colour": "black"}, {"IN": "1999"})]
        )
        opens = start + timedelta(minutes=1)
        sale = await shop.sales.create(
            SaleSpec(
                sku=SKU,
                market="IN",
                stock=stock,
                per_customer_limit=each,
                registration_opens_at=start,
                registration_closes_at=opens,
                opens_at=opens,
                closes_at=datetime.now(UTC) + timedelta(hours=1),
                payment_window_seconds=60,
            )
        )
        customers = [
            Customer(new_id("cus"), f"fan{n}-{new_id('x')}@mi.example", "not-a-hash", "IN", start)
            for n in range(buyers)
        ]
        await shop.store.add_customers(customers)
        await asyncio.gather(*(shop.sales.register(sale.id, c.id) for c in customers))
        clock.set(opens)
        await asyncio.gather(
            *(shop.purchasing.purchase(c.id, sale.id, 1) for c in customers for _ in range(each))
        )
        assert (await shop.auditing.audit(sale.id)).units.reserved == buyers * each
        return sale.id


@dataclass(frozen=True, slots=True)
class Outcome:
    expired_units: int
    reserved_units: int
    stock_left: int
    gate_stock_left: int | None
    clean: bool


async def outcome(settings: Settings, sale_id: str) -> Outcome:
    async with running_shop(settings) as shop:
        audit = await shop.auditing.audit(sale_id)
        return Outcome(
            audit.units.expired,
            audit.units.reserved,
            audit.stock_left,
            audit.gate_stock_left,
            audit.clean,
        )


async def due_order_ids(database_url: str) -> list[str]:
    """The due orders in the order the sweeper takes them (expires_at, then id)."""
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as conn:
            found = await conn.execute(
                text("SELECT id FROM orders WHERE status = :s ORDER BY expires_at, id"),
                {"s": OrderStatus.RESERVED.value},
            )
            return list(found.scalars())
    finally:
        await engine.dispose()


@contextlib.asynccontextmanager
async def row_locked(database_url: str, order_id: str) -> AsyncIterator[AsyncConnection]:
    """Hold one order's row lock, so that a sweeper's UPDATE over it waits inside its
    transaction until the block ends; yields a second connection to watch the waiters."""
    locking = text("SELECT id FROM orders WHERE id = :id FOR UPDATE").bindparams(id=order_id)
    async with holding(database_url, locking) as watcher:
        yield watcher


@contextlib.asynccontextmanager
async def holding(database_url: str, locking: TextClause) -> AsyncIterator[AsyncConnection]:
    """Run ``locking`` in a transaction held open until the block ends; yields a second
    connection to watch who waits on the lock it took."""
    engine = create_async_engine(database_url, pool_size=2)
    try:
        async with engine.connect() as holder, engine.connect() as watcher:
            await holder.begin()
            await holder.execute(locking)
            try:
                yield watcher
            finally:
                await holder.rollback()
    finally:
        await engine.dispose()


async def wait_for_lock_waiters(watcher: AsyncConnection, count: int, within: float) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        waiting = await watcher.scalar(
            text(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
        )
        await watcher.rollback()  # a new transaction sees fresh activity statistics
        if waiting is not None and waiting >= count:
            return
        await asyncio.sleep(0.05)
    raise TimeoutError(f"fewer than {count} sweepers came to wait on the locked order")


async def test_worker_once_expires_due_orders_on_sqlite(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'shop.db'}"
    await upgrade_database(url)
    settings = fast_settings(database_url=url)
    sale_id = await due_reservations(settings, stock=50, buyers=30, each=1)

    worker = await finished(await start_worker(worker_env(url), "--once"))

    assert worker.returncode == 0, worker.output
    assert worker.expired == 30, worker.output
    after = await outcome(settings, sale_id)
    assert (after.expired_units, after.reserved_units, after.stock_left) == (30, 0, 50)
    assert after.clean


@pytest.mark.postgres
@pytest.mark.redis
async def test_two_workers_racing_return_each_unit_once(
    postgres_server_url: str, redis_server_url: str
) -> None:
    async with migrated_postgres_database(postgres_server_url) as url:
        settings = fast_settings(database_url=url, redis_url=redis_server_url)
        sale_id = await due_reservations(settings, stock=2000, buyers=150, each=10)
        try:
            due = await due_order_ids(url)
            assert len(due) == 1500
            env = worker_env(url, redis_server_url)
            # Both workers' first UPDATEs queue behind the locked order, then race row by row.
            async with row_locked(url, due[0]) as watcher:
                racing = [await start_worker(env, "--once") for _ in range(2)]
                try:
                    await wait_for_lock_waiters(watcher, 2, within=30)
                except BaseException:
                    for process in racing:
                        process.kill()
                    raise
            first, second = [await finished(process) for process in racing]

            assert (first.returncode, second.returncode) == (0, 0), first.output + second.output
            assert first.expired + second.expired == 1500, first.output + second.output
            after = await outcome(settings, sale_id)
            assert (after.expired_units, after.reserved_units) == (1500, 0)
            assert after.gate_stock_left == after.stock_left == 2000, "each unit came back once"
            assert after.clean
        finally:
            await forget_sale_keys(redis_server_url, sale_id)


@pytest.mark.postgres
@pytest.mark.redis
async def test_a_server_without_its_sweeper_leaves_expiry_to_the_worker(
    tmp_path: Path, postgres_server_url: str, redis_server_url: str
) -> None:
    async with migrated_postgres_database(postgres_server_url) as url:
        env = server_env(
            tmp_path / "unused.db", FLASHSALE_DATABASE_URL=url, FLASHSALE_REDIS_URL=redis_server_url
        )
        server = ServerProcess(env, log_path=tmp_path / "server.log", extra_args=("--no-sweeper",))
        sale_id = ""
        try:
            server.start()
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as http:
                await add_india(http, server.url)
                first, second = await sign_up_fans(http, server.url, 2)
                sale = await create_band_sale(
                    http, server.url, stock=1, opens_in=2.0, payment_window=0.5
                )
                sale_id = sale["id"]
                await register_fans(http, server.url, sale_id, [first, second])
                await wait_until_open(http, server.url, sale_id)
                bought = f"{server.url}/api/v1/sales/{sale_id}/purchases"
                async with http.post(bought, headers=first) as answer:
                    assert answer.status == 201, await answer.text()
                    order_id = (await json_of(answer))["order_id"]
                async with http.post(bought, headers=second) as answer:
                    assert answer.status == 409, await answer.text()

                # Long enough for the server's own sweeper (every 0.2 s) to have expired it.
                await asyncio.sleep(1.5)
                order_url = f"{server.url}/api/v1/orders/{order_id}"
                async with http.get(order_url, headers=first) as answer:
                    assert (await json_of(answer))["status"] == "reserved"

                worker = await finished(
                    await start_worker(worker_env(url, redis_server_url), "--once")
                )
                assert (worker.returncode, worker.expired) == (0, 1), worker.output

                async with http.get(order_url, headers=first) as answer:
                    assert (await json_of(answer))["status"] == "expired"
                # The unit came back through the shared gate, to the server that never swept.
                async with http.post(bought, headers=second) as answer:
                    assert answer.status == 201, await answer.text()
                report = await audit(http, server.url, sale_id)
                assert (report["reserved"], report["expired"]) == (1, 1), report
                assert report["gate_stock_left"] == report["stock_left"] == 0, report
                assert report["clean"] is True, report
        finally:
            server.stop()
            if sale_id:
                await forget_sale_keys(redis_server_url, sale_id)


@pytest.mark.postgres
@pytest.mark.redis
async def test_the_worker_puts_units_a_dead_process_stranded_back_on_sale(
    tmp_path: Path, postgres_server_url: str, redis_server_url: str
) -> None:
    """Servers without their sweepers leave the gate's reconciler to the worker as well."""
    async with migrated_postgres_database(postgres_server_url) as url:
        env = server_env(
            tmp_path / "unused.db", FLASHSALE_DATABASE_URL=url, FLASHSALE_REDIS_URL=redis_server_url
        )
        server = ServerProcess(env, log_path=tmp_path / "server.log", extra_args=("--no-sweeper",))
        sale_id, worker = "", None
        try:
            server.start()
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as http:
                await add_india(http, server.url)
                (fan,) = await sign_up_fans(http, server.url, 1)
                sale = await create_band_sale(
                    http, server.url, stock=5, opens_in=2.0, payment_window=600
                )
                sale_id = sale["id"]
                await register_fans(http, server.url, sale_id, [fan])
                await wait_until_open(http, server.url, sale_id)
                bought = f"{server.url}/api/v1/sales/{sale_id}/purchases"
                async with http.post(bought, headers=fan) as answer:  # the gate is loaded
                    assert answer.status == 201, await answer.text()
                # Two units taken from the gate by a process that died before storing them.
                redis = Redis.from_url(redis_server_url)
                try:
                    assert await redis.decrby(SaleKeys.of(sale_id, 0).stock, 2) == 2
                finally:
                    await redis.aclose()
                stranded = await audit(http, server.url, sale_id)
                assert (stranded["stock_left"], stranded["gate_stock_left"]) == (4, 2), stranded

                reconciling = {
                    "FLASHSALE_GATE_RECONCILE_SECONDS": "0.2",
                    "FLASHSALE_GATE_DRIFT_SETTLE_SECONDS": "0.5",
                }
                worker = await start_worker({**worker_env(url, redis_server_url), **reconciling})
                deadline = time.monotonic() + 20  # about a second; room for two busy cores
                report = stranded
                # The reconciler moves the gate, then counts the units it healed in the record:
                # an audit between the two sees the gate healed and the count not yet.
                while (report["gate_stock_left"], report["gate_drift_healed"]) != (
                    report["stock_left"],
                    2,
                ):
                    assert time.monotonic() < deadline, f"never healed: {report}"
                    await asyncio.sleep(0.2)
                    report = await audit(http, server.url, sale_id)
                assert report["clean"] is True, report
        finally:
            if worker is not None and worker.returncode is None:
                worker.terminate()
                await asyncio.wait_for(worker.wait(), WORKER_TIMEOUT)
            server.stop()
            if sale_id:
                await forget_sale_keys(redis_server_url, sale_id)


def test_a_worker_refuses_to_loop_without_the_shared_gate(tmp_path: Path) -> None:
    database = f"sqlite+aiosqlite:///{tmp_path / 'shop.db'}"
    result = CliRunner().invoke(app, ["--database-url", database, "worker"], env={"COLUMNS": "200"})
    assert result.exit_code == 2, result.output
    assert "--redis-url" in result.output


def test_serve_refuses_no_sweeper_without_the_shared_gate(tmp_path: Path) -> None:
    database = f"sqlite+aiosqlite:///{tmp_path / 'shop.db'}"
    result = CliRunner().invoke(
        app, ["--database-url", database, "serve", "--no-sweeper"], env={"COLUMNS": "200"}
    )
    assert result.exit_code == 2, result.output
    assert "--no-sweeper refused" in result.output
