"""Closing a sale early with real server processes: every fan waiting in the room hears
"closed" at once, and with two servers sharing the Redis gate and PostgreSQL, the other server
refuses at once and says the sale is closed within its refresh interval."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import aiohttp
import pytest

from flashsale.lab.devtools.server_process import ServerProcess, running_server
from flashsale.sales.service.sale_directory import REFRESH_SECONDS
from tests.contract.conftest import migrated_postgres_database
from tests.e2e.live import (
    ADMIN,
    add_india,
    audit,
    create_band_sale,
    json_of,
    register_fans,
    server_env,
    set_waiting_room,
    sign_up_fans,
    wait_until_open,
)
from tests.e2e.test_waiting_room_live import listen

pytestmark = pytest.mark.slow

FANS = 8


async def close(http: aiohttp.ClientSession, url: str, sale_id: str) -> dict[str, object]:
    async with http.post(f"{url}/api/v1/admin/sales/{sale_id}/close", headers=ADMIN) as answer:
        assert answer.status == 200, await answer.text()
        return dict(await json_of(answer))


@pytest.fixture(params=["embedded", "redis"])
def env(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, str]:
    if request.param == "redis":
        url: str = request.getfixturevalue("redis_server_url")
        return server_env(tmp_path / "sale.db", FLASHSALE_REDIS_URL=url)
    return server_env(tmp_path / "sale.db")


async def test_every_fan_waiting_in_the_room_hears_the_close(
    env: dict[str, str], tmp_path: Path
) -> None:
    with running_server(env, log_path=tmp_path / "server.log") as server:
        url = server.url
        async with aiohttp.ClientSession() as http:
            await add_india(http, url)
            crowd = await sign_up_fans(http, url, FANS, prefix=f"close{time.time_ns()}-")
            sale = await create_band_sale(http, url, stock=FANS, opens_in=2.5, payment_window=60)
            sale_id = sale["id"]
            # One fan a minute: the rest of the line is still waiting when the sale closes.
            await set_waiting_room(
                http,
                url,
                sale_id,
                admission_rate_per_second=1 / 60,
                address_requests_per_second=5000,
            )
            await register_fans(http, url, sale_id, crowd)
            for headers in crowd:
                async with http.post(f"{url}/api/v1/sales/{sale_id}/queue", headers=headers) as a:
                    assert a.status == 201, await a.text()
            streams = [asyncio.create_task(listen(http, url, sale_id, h)) for h in crowd]
            await wait_until_open(http, url, sale_id)
            await close(http, url, sale_id)
            closed_at = time.monotonic()
            heard = await asyncio.wait_for(asyncio.gather(*streams), 10)
            for states, when in heard:
                assert states[-1] == "closed" and when is not None, states
                assert when - closed_at < 2.0, when - closed_at


@pytest.mark.postgres
@pytest.mark.redis
async def test_the_other_server_refuses_at_once_and_says_closed_within_its_refresh(
    tmp_path: Path, postgres_server_url: str, redis_server_url: str
) -> None:
    async with migrated_postgres_database(postgres_server_url) as database_url:
        env = server_env(
            tmp_path / "unused.db",
            FLASHSALE_DATABASE_URL=database_url,
            FLASHSALE_REDIS_URL=redis_server_url,
        )
        first = ServerProcess(env, log_path=tmp_path / "first.log")
        other = ServerProcess(env, log_path=tmp_path / "other.log", extra_args=("--no-sweeper",))
        try:
            first.start()
            other.start()
            async with aiohttp.ClientSession() as http:
                await add_india(http, first.url)
                buyer, late = await sign_up_fans(http, first.url, 2, prefix=f"x{time.time_ns()}-")
                sale = await create_band_sale(
                    http, first.url, stock=5, opens_in=3.0, payment_window=600
                )
                sale_id = sale["id"]
                await register_fans(http, first.url, sale_id, [buyer, late])
                await wait_until_open(http, other.url, sale_id)  # the other keeps its copy now
                purchases = f"{other.url}/api/v1/sales/{sale_id}/purchases"
                async with http.post(purchases, headers=buyer) as answer:
                    assert answer.status == 201, await answer.text()
                closed = await close(http, first.url, sale_id)
                assert closed["state"] == "closed"
                async with http.post(purchases, headers=late) as answer:
                    assert answer.status == 410, await answer.text()  # the shared gate: at once
                said_closed = None
                started = time.monotonic()
                while time.monotonic() - started < REFRESH_SECONDS + 5:
                    async with http.get(f"{other.url}/api/v1/sales/{sale_id}") as answer:
                        if (await json_of(answer))["state"] == "closed":
                            said_closed = time.monotonic() - started
                            break
                    await asyncio.sleep(0.2)
                assert said_closed is not None and said_closed < REFRESH_SECONDS + 2
                report = await audit(http, first.url, sale_id)
                assert report["clean"] is True, report
        finally:
            other.stop()
            first.stop()
