"""The core concurrency test again, scaled out: 2 server processes on PostgreSQL and a local
3-master Redis Cluster with the sale's stock in 3 buckets and the sold-out flag on.

1,000 fans send 2,000 purchases at once, half to each server, for 100 units: exactly 100 are
reserved, nobody exceeds the limit, every 201 is stored, the audit is clean and the gate (summed
over its buckets) agrees with the record. Then units come back through one server and the
other, which had every bucket flagged dry, sells them again.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from flashsale.lab.devtools.server_process import ServerProcess
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
from tests.e2e.test_scaleout_faults import assert_stored, gate_command

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.redis]

STOCK = 100
FANS = 1_000
BUCKETS = 3
RETURNED = 5
Headers = dict[str, str]


async def buy(
    http: aiohttp.ClientSession, url: str, sale_id: str, fan: Headers, key: str | None = None
) -> tuple[int, Any, Headers]:
    sent = fan if key is None else {**fan, "Idempotency-Key": key}
    async with http.post(
        f"{url}/api/v1/sales/{sale_id}/purchases", headers=sent, json={"quantity": 1}
    ) as answer:
        return answer.status, await json_of(answer), fan


async def test_two_servers_on_a_redis_cluster_sell_exactly_the_stock(
    tmp_path: Path, postgres_server_url: str, redis_cluster_url: str
) -> None:
    async with migrated_postgres_database(postgres_server_url) as database_url:
        env = server_env(
            tmp_path / "unused.db",
            FLASHSALE_DATABASE_URL=database_url,
            FLASHSALE_REDIS_URL=redis_cluster_url,
            FLASHSALE_GATE_STOCK_BUCKETS=str(BUCKETS),
            FLASHSALE_GATE_SOLD_OUT_FLAG="1",
        )
        servers = [ServerProcess(env, log_path=tmp_path / f"server{i}.log") for i in range(2)]
        try:
            for server in servers:
                server.start()
            await _sale(env, *(server.url for server in servers))
        finally:
            for server in servers:
                server.stop()


async def _sale(env: dict[str, str], one: str, two: str) -> None:
    async with aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=1000),
        timeout=aiohttp.ClientTimeout(total=120),
    ) as http:
        await add_india(http, one)
        started = time.monotonic()
        crowd = await sign_up_fans(http, one, FANS)
        opens_in = 2.0 + (time.monotonic() - started)
        sale = await create_band_sale(http, one, stock=STOCK, opens_in=opens_in, payment_window=600)
        sale_id = str(sale["id"])
        await register_fans(http, two, sale_id, crowd)
        await wait_until_open(http, one, sale_id)

        # Every fan clicks twice at once, once on each server: a keyed retry or a double click.
        results = await asyncio.gather(
            *(
                buy(http, (one, two)[click], sale_id, fan, f"click-{i}" if i % 2 else None)
                for i, fan in enumerate(crowd)
                for click in range(2)
            )
        )

        statuses = Counter(status for status, _, _ in results)
        assert set(statuses) <= {201, 409}, statuses
        orders_of: dict[str, set[str]] = defaultdict(set)
        acknowledged: dict[str, Headers] = {}
        for status, body, fan in results:
            if status == 201:
                orders_of[fan["Authorization"]].add(str(body["order_id"]))
                acknowledged[str(body["order_id"])] = fan
        assert len(acknowledged) == STOCK, statuses
        assert all(len(orders) == 1 for orders in orders_of.values())
        await assert_stored(http, two, acknowledged)
        report = await audit(http, one, sale_id)
        _assert_clean(report, reserved=STOCK)
        assert report["gate_stock_left"] == report["stock_left"] == 0, report
        assert await gate_command(env, "check", sale_id) == (0, _agrees(sale_id))

        # Units come back through one server; the other, which knew the sale sold out, sells
        # them again (its flag cleared by the gate's message, or a round trip if it missed it).
        for order_id, owner in list(acknowledged.items())[:RETURNED]:
            async with http.post(f"{one}/api/v1/orders/{order_id}/cancel", headers=owner) as r:
                assert r.status == 200, await r.text()
        losers = [fan for fan in crowd if fan["Authorization"] not in orders_of]
        second = await _buy_until(http, two, sale_id, losers, RETURNED)
        assert second == RETURNED
        report = await audit(http, two, sale_id)
        _assert_clean(report, reserved=STOCK)
        assert report["cancelled"] == RETURNED, report
        assert report["gate_stock_left"] == report["stock_left"] == 0, report


async def _buy_until(
    http: aiohttp.ClientSession, url: str, sale_id: str, fans: list[Headers], wanted: int
) -> int:
    """Buy one at a time until ``wanted`` units sold; a flag may take a moment to clear."""
    sold = 0
    deadline = time.monotonic() + 10
    candidates = iter(fans)
    fan = next(candidates)
    while sold < wanted:
        status, body, _ = await buy(http, url, sale_id, fan)
        if status == 201:
            sold += 1
            fan = next(candidates)
            continue
        assert status == 409, body
        assert time.monotonic() < deadline, f"only {sold} of {wanted} units came back"
        await asyncio.sleep(0.05)
    status, body, _ = await buy(http, url, sale_id, fan)
    assert status == 409 and "sold" in str(body.get("type", "")), body
    return sold


def _assert_clean(report: dict[str, Any], *, reserved: int) -> None:
    assert report["reserved"] == reserved, report
    assert report["oversold"] == 0, report
    assert report["customers_over_limit"] == 0, report
    assert report["clean"] is True, report


def _agrees(sale_id: str) -> str:
    return f"the gate agrees with the record for {sale_id}\n"
