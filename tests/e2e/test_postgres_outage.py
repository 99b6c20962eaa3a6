"""PostgreSQL stopped mid-sale and started again: 503s meanwhile, units back in the gate,
nothing acknowledged that is not stored, and the sale sells out exactly once it is back.

The shared server on 5432 is never stopped: the test runs a private PostgreSQL of its own
(devtools/postgres_instance.py) and stops that one with pg_ctl, as an operator or a failover
would. Redis is the shared test server (this sale's keys only are removed afterwards).
"""

from __future__ import annotations

import asyncio
import functools
import os
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest

from flashsale.lab.devtools.postgres_instance import (
    PostgresInstance,
    PostgresUnavailable,
    scratch_database,
)
from flashsale.lab.devtools.server_process import ServerProcess
from flashsale.sales.adapters.redis_gate import RedisStockGate
from tests.e2e.live import audit, bounded
from tests.e2e.test_scaleout_faults import (
    FANS,
    STOCK,
    assert_clean,
    assert_stored,
    buy,
    scaleout_env,
)
from tests.e2e.test_serve_workers import open_band_sale
from tests.e2e.test_worker import forget_sale_keys

pytestmark = [pytest.mark.slow, pytest.mark.redis]

BURST_TIMEOUT = 60.0
STREAM = 6  # buyers at a time before the outage: slow enough for the stop to land mid-sale
UNAVAILABLE = {"/problems/commit-failed", "/problems/store-unavailable"}
Headers = dict[str, str]


@pytest.fixture
def postgres() -> Iterator[PostgresInstance]:
    try:
        instance = PostgresInstance()
        instance.start()
    except PostgresUnavailable as exc:
        reason = f"cannot run a private PostgreSQL to stop mid-sale: {exc}"
        if os.environ.get("FLASHSALE_REQUIRE_SERVICES") == "1":
            pytest.fail(f"FLASHSALE_REQUIRE_SERVICES=1 but {reason}")
        pytest.skip(reason)
    try:
        yield instance
    finally:
        instance.destroy()


async def gate_stock_left(redis_url: str, sale_id: str) -> int | None:
    gate = await RedisStockGate.connect(redis_url)
    try:
        return await gate.stock_left(sale_id)
    finally:
        await gate.close()


async def test_postgres_stopped_mid_sale_then_back(
    tmp_path: Path, postgres: PostgresInstance, redis_server_url: str
) -> None:
    async with scratch_database(postgres.server_url) as database_url:
        env = scaleout_env(tmp_path, database_url, redis_server_url)
        server = ServerProcess(env, log_path=tmp_path / "server.log")
        sale_id = ""
        try:
            server.start()
            async with aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=600),
                timeout=aiohttp.ClientTimeout(total=BURST_TIMEOUT),
            ) as http:
                sale_id, crowd = await open_band_sale(http, server.url)
                acknowledged: dict[str, Headers] = {}
                statuses: Counter[tuple[str, int]] = Counter()
                under_way = asyncio.Event()
                stopped = False  # pg_ctl returned: the server is down

                async def attempt(fan: Headers, phase: str) -> int:
                    began_down = stopped
                    status, body = await buy(http, server.url, sale_id, fan)
                    statuses[phase, status] += 1
                    if status == 201:
                        assert not began_down, "acknowledged while PostgreSQL was down"
                        acknowledged[body["order_id"]] = fan
                        if len(acknowledged) >= 40:
                            under_way.set()
                    elif status == 503:
                        assert body["type"] in UNAVAILABLE, body
                    else:
                        # Units held by purchases whose commit is failing are not free yet.
                        assert status == 409 and body["type"] == "/problems/sold-out", body
                    return status

                # 1. The first half of the crowd streams in; PostgreSQL stops under its feet.
                first, second = crowd[: FANS // 2], crowd[FANS // 2 :]
                jobs = [functools.partial(attempt, fan, "stream") for fan in first]
                stream = asyncio.ensure_future(bounded(STREAM, jobs))
                await asyncio.wait(
                    [asyncio.ensure_future(under_way.wait()), stream],
                    timeout=BURST_TIMEOUT,
                    return_when=asyncio.FIRST_COMPLETED,
                )
                assert under_way.is_set(), f"the sale never got going: {statuses}"
                await asyncio.to_thread(postgres.stop)
                stopped = True
                await asyncio.wait_for(stream, BURST_TIMEOUT)
                assert statuses["stream", 503], f"the stop should land mid-sale: {statuses}"
                assert len(acknowledged) < STOCK

                # 2. While it is down nobody is acknowledged, and every unit taken for a
                # refused purchase is back in the gate.
                down = await asyncio.gather(*(attempt(fan, "down") for fan in second))
                assert 201 not in down and 503 in down, statuses
                left = await gate_stock_left(redis_server_url, sale_id)
                assert left == STOCK - len(acknowledged), (left, statuses)

                # 3. Back up: everybody who was turned away tries again until answered.
                await asyncio.to_thread(postgres.start)
                stopped = False

                async def until_answered(fan: Headers) -> None:
                    for _ in range(200):
                        if await attempt(fan, "after") != 503:
                            return
                        await asyncio.sleep(0.05)
                    raise AssertionError(f"still 503 long after PostgreSQL came back: {statuses}")

                bought = {fan["Authorization"] for fan in acknowledged.values()}
                again = [fan for fan in crowd if fan["Authorization"] not in bought]
                await asyncio.wait_for(
                    asyncio.gather(*(until_answered(fan) for fan in again)), BURST_TIMEOUT
                )

                assert len(acknowledged) == STOCK, statuses
                await assert_stored(http, server.url, acknowledged)
                assert_clean(await audit(http, server.url, sale_id), sold_out=True)
        finally:
            server.stop()
            if not postgres.running:
                postgres.start()  # for the scratch database's drop
            if sale_id:
                await forget_sale_keys(redis_server_url, sale_id)
