"""SIGKILL the server in the middle of a burst of purchases, start it again on the same file,
finish the sale: every purchase acknowledged before the kill is there, nothing sold twice."""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path

import aiohttp
import pytest

from flashsale.lab.devtools.server_process import ServerProcess
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

pytestmark = pytest.mark.slow

STOCK = 250
FANS = 300


async def test_a_killed_server_loses_no_acknowledged_purchase(tmp_path: Path) -> None:
    database = tmp_path / "sale.db"
    env = server_env(database)
    first = ServerProcess(env, log_path=tmp_path / "first.log")
    first.start()
    acknowledged: dict[str, str] = {}  # order id -> its owner's Authorization
    try:
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=500)) as http:
            await add_india(http, first.url)
            crowd = await sign_up_fans(http, first.url, FANS)
            sale = await create_band_sale(
                http, first.url, stock=STOCK, opens_in=4.0, payment_window=600
            )
            await register_fans(http, first.url, sale["id"], crowd)
            await wait_until_open(http, first.url, sale["id"])

            async def buy(headers: dict[str, str]) -> None:
                try:
                    async with http.post(
                        f"{first.url}/api/v1/sales/{sale['id']}/purchases", headers=headers
                    ) as answer:
                        statuses[answer.status] += 1
                        if answer.status == 201:
                            order_id = (await json_of(answer))["order_id"]
                            acknowledged[order_id] = headers["Authorization"]
                            if len(acknowledged) >= 20:
                                under_way.set()
                except aiohttp.ClientError:
                    interrupted.append(headers["Authorization"])  # never acknowledged

            under_way = asyncio.Event()  # set once the sale is well under way
            interrupted: list[str] = []
            statuses: Counter[int] = Counter()
            burst = asyncio.gather(*(buy(h) for h in crowd))
            # Bounded: if the sale never gets going the test must fail, not hang.
            await asyncio.wait(
                [asyncio.ensure_future(under_way.wait()), burst],  # type: ignore[type-var]
                timeout=60,
                return_when=asyncio.FIRST_COMPLETED,
            )
            assert under_way.is_set(), f"only {len(acknowledged)} acknowledged: {statuses}"
            await asyncio.to_thread(first.kill)
            await burst
    finally:
        first.kill()
    assert 20 <= len(acknowledged) < STOCK, "the kill should land mid-sale"
    assert interrupted, "some purchases should have been cut off by the kill"

    with_restart = ServerProcess(env, log_path=tmp_path / "second.log")
    with_restart.start()
    try:
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=500)) as http:
            for order_id, owner in acknowledged.items():
                async with http.get(
                    f"{with_restart.url}/api/v1/orders/{order_id}",
                    headers={"Authorization": owner},
                ) as answer:
                    assert answer.status == 200, f"acknowledged order {order_id} was lost"

            # Everybody tries again; the units left are exactly the stock minus what survived.
            async def retry(headers: dict[str, str]) -> int:
                async with http.post(
                    f"{with_restart.url}/api/v1/sales/{sale['id']}/purchases", headers=headers
                ) as answer:
                    return answer.status

            retried = await asyncio.gather(*(retry(h) for h in crowd))
            assert set(retried) <= {201, 409}
            report = await audit(http, with_restart.url, sale["id"])
            assert report["reserved"] == STOCK
            assert report["oversold"] == 0
            assert report["customers_over_limit"] == 0
            assert report["clean"] is True
    finally:
        with_restart.stop()
