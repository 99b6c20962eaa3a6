"""Faults of the scale-out shop, with real processes on PostgreSQL and one shared Redis gate.

Each test ends in a clean audit: nothing oversold, nobody over the limit, every 201 stored,
stock conserved with the gate agreeing. Stopping PostgreSQL mid-sale is not tried here: other
tests share that server (test_postgres_outage.py stops a private PostgreSQL of its own).
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections import Counter
from functools import partial
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from flashsale.lab.devtools.server_process import ServerProcess
from tests.conftest import fast_settings
from tests.contract.conftest import migrated_postgres_database
from tests.e2e.live import (
    add_india,
    audit,
    bounded,
    create_band_sale,
    json_of,
    register_fans,
    server_env,
    sign_up_fans,
    wait_until_open,
)
from tests.e2e.test_worker import (
    due_order_ids,
    due_reservations,
    finished,
    forget_sale_keys,
    outcome,
    row_locked,
    start_worker,
    wait_for_lock_waiters,
    worker_env,
)

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.redis]

STOCK = 200
FANS = 300
BURST_TIMEOUT = 60.0
Headers = dict[str, str]


def scaleout_env(tmp_path: Path, database_url: str, redis_url: str) -> dict[str, str]:
    # Every server shares the database, the gate, the admin token and the session key.
    return server_env(
        tmp_path / "unused.db", FLASHSALE_DATABASE_URL=database_url, FLASHSALE_REDIS_URL=redis_url
    )


async def open_band_sale(http: aiohttp.ClientSession, url: str) -> tuple[str, list[Headers]]:
    await add_india(http, url)
    crowd = await sign_up_fans(http, url, FANS)
    # Room for registering every fan on a busy machine before the window closes.
    sale = await create_band_sale(http, url, stock=STOCK, opens_in=6.0, payment_window=600)
    await register_fans(http, url, sale["id"], crowd)
    await wait_until_open(http, url, sale["id"])
    # Each fan's purchase keeps one Idempotency-Key through its retries, as a real client's
    # does: a buyer whose answer was cut off by the kill, though the order was stored, is
    # answered with that order on the other server (else a 409 for the limit).
    keyed = [{**fan, "Idempotency-Key": f"band-{n}"} for n, fan in enumerate(crowd)]
    return str(sale["id"]), keyed


async def buy(http: aiohttp.ClientSession, url: str, sale_id: str, fan: Headers) -> tuple[int, Any]:
    async with http.post(f"{url}/api/v1/sales/{sale_id}/purchases", headers=fan) as answer:
        return answer.status, await json_of(answer)


async def assert_stored(
    http: aiohttp.ClientSession, url: str, acknowledged: dict[str, Headers]
) -> None:
    """Every 201 a buyer received is an order the server returns to that buyer."""

    async def one(order_id: str, owner: Headers) -> None:
        async with http.get(f"{url}/api/v1/orders/{order_id}", headers=owner) as answer:
            assert answer.status == 200, f"acknowledged order {order_id} was lost"
            assert (await json_of(answer))["status"] == "reserved"

    await bounded(32, [partial(one, o, h) for o, h in acknowledged.items()])


def assert_clean(report: dict[str, Any], *, sold_out: bool) -> None:
    assert report["oversold"] == 0, report
    assert report["customers_over_limit"] == 0, report
    assert report["clean"] is True, report
    if sold_out:
        assert report["reserved"] == STOCK, report
        assert report["gate_stock_left"] == report["stock_left"] == 0, report


async def gate_command(env: dict[str, str], *args: str) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "flashsale",
        "gate",
        *args,
        env={**os.environ, **env, "COLUMNS": "200"},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        output, _ = await asyncio.wait_for(process.communicate(), 60)
    except TimeoutError:
        process.kill()
        raise
    assert process.returncode is not None
    return process.returncode, output.decode()


async def test_a_server_killed_mid_burst_leaves_the_other_selling(
    tmp_path: Path, postgres_server_url: str, redis_server_url: str
) -> None:
    async with migrated_postgres_database(postgres_server_url) as database_url:
        env = scaleout_env(tmp_path, database_url, redis_server_url)
        doomed = ServerProcess(env, log_path=tmp_path / "doomed.log")
        # The survivor leaves expiry to workers: a fleet may mix both kinds of server.
        survivor = ServerProcess(
            env, log_path=tmp_path / "survivor.log", extra_args=("--no-sweeper",)
        )
        sale_id = ""
        try:
            doomed.start()
            survivor.start()
            async with aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=600),
                timeout=aiohttp.ClientTimeout(total=BURST_TIMEOUT),
            ) as http:
                sale_id, crowd = await open_band_sale(http, doomed.url)
                acknowledged: dict[str, Headers] = {}
                statuses: Counter[tuple[str, int]] = Counter()
                cut_off: list[Headers] = []
                under_way = asyncio.Event()

                async def attempt(index: int, fan: Headers) -> None:
                    server = (doomed, survivor)[index % 2]
                    name = "doomed" if server is doomed else "survivor"
                    try:
                        status, body = await buy(http, server.url, sale_id, fan)
                    except aiohttp.ClientError:
                        cut_off.append(fan)  # never acknowledged
                        return
                    statuses[name, status] += 1
                    if status == 201:
                        acknowledged[body["order_id"]] = fan
                        if len(acknowledged) >= 20:
                            under_way.set()

                # The first wave cannot sell the stock out (one unit each, fewer fans than
                # units), so the kill lands mid-sale however fast the machine; the second wave
                # arrives after it, half of it at the dead server.
                first_wave = list(enumerate(crowd))[: STOCK // 2]
                second_wave = list(enumerate(crowd))[STOCK // 2 :]
                burst = asyncio.gather(*(attempt(i, fan) for i, fan in first_wave))
                await asyncio.wait(
                    [asyncio.ensure_future(under_way.wait()), burst],  # type: ignore[type-var]
                    timeout=BURST_TIMEOUT,
                    return_when=asyncio.FIRST_COMPLETED,
                )
                assert under_way.is_set(), f"the sale never got going: {statuses}"
                await asyncio.to_thread(doomed.kill)
                after_kill = asyncio.gather(*(attempt(i, fan) for i, fan in second_wave))
                await asyncio.wait_for(asyncio.gather(burst, after_kill), BURST_TIMEOUT)
                assert statuses["survivor", 201] > 0, f"the survivor should sell: {statuses}"
                assert cut_off, f"the kill should cut purchases off: {statuses}"

                await assert_stored(http, survivor.url, acknowledged)
                report = await audit(http, survivor.url, sale_id)
                assert report["oversold"] == 0 and report["customers_over_limit"] == 0, report
                # Units the killed server took from the gate but never stored are stranded,
                # never sold twice: the gate may believe in fewer units than the record.
                assert report["gate_stock_left"] <= report["stock_left"], report

                # The survivor keeps selling to everybody who tries again.
                async def again(fan: Headers) -> None:
                    status, body = await buy(http, survivor.url, sale_id, fan)
                    assert status in (201, 409), body
                    if status == 201:
                        acknowledged[body["order_id"]] = fan

                await bounded(64, [partial(again, f) for f in crowd])
                if report["gate_stock_left"] < report["stock_left"]:
                    # The operator's remedy once no purchase is in flight.
                    code, shown = await gate_command(env, "check", sale_id)
                    assert code == 1, shown
                    code, shown = await gate_command(env, "rebuild", sale_id)
                    assert code == 0, shown
                    await bounded(64, [partial(again, f) for f in crowd])

                await assert_stored(http, survivor.url, acknowledged)
                assert len(acknowledged) == STOCK
                assert_clean(await audit(http, survivor.url, sale_id), sold_out=True)
        finally:
            doomed.kill()
            survivor.stop()
            if sale_id:
                await forget_sale_keys(redis_server_url, sale_id)


async def test_a_gate_deleted_mid_sale_is_rebuilt_and_selling_goes_on(
    tmp_path: Path, postgres_server_url: str, redis_server_url: str
) -> None:
    async with migrated_postgres_database(postgres_server_url) as database_url:
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
                statuses: Counter[int] = Counter()
                under_way = asyncio.Event()

                async def until_answered(fan: Headers) -> None:
                    # A buyer told 503 (gate being rebuilt, nothing taken) tries again.
                    for _ in range(100):
                        status, body = await buy(http, server.url, sale_id, fan)
                        statuses[status] += 1
                        if status == 201:
                            acknowledged[body["order_id"]] = fan
                            if len(acknowledged) >= 40:
                                under_way.set()
                        if status != 503:
                            assert status in (201, 409), body
                            return
                        await asyncio.sleep(0.05)
                    raise AssertionError("the gate was never rebuilt")

                # The first wave passes the gate in a moment and then waits on the database,
                # so the keys go while its purchases are between the two; the second wave meets
                # the lost gate.
                first_wave, second_wave = crowd[: FANS // 2], crowd[FANS // 2 :]
                burst = asyncio.gather(*(until_answered(fan) for fan in first_wave))
                await asyncio.wait(
                    [asyncio.ensure_future(under_way.wait()), burst],  # type: ignore[type-var]
                    timeout=BURST_TIMEOUT,
                    return_when=asyncio.FIRST_COMPLETED,
                )
                assert under_way.is_set(), f"the sale never got going: {statuses}"
                # What FLUSHALL does to this sale, leaving other tests' keys alone.
                assert await forget_sale_keys(redis_server_url, sale_id)
                after_loss = asyncio.gather(*(until_answered(fan) for fan in second_wave))
                await asyncio.wait_for(asyncio.gather(burst, after_loss), BURST_TIMEOUT)
                second_wave_owners = {fan["Authorization"] for fan in second_wave}
                bought_after = [
                    o for o, f in acknowledged.items() if f["Authorization"] in second_wave_owners
                ]
                # First-wave buyers still queued at the loss compete with the second wave for
                # what is left, so the second wave buys at least what the first could not.
                assert len(bought_after) >= STOCK - FANS // 2, "selling went on after the loss"

                await assert_stored(http, server.url, acknowledged)
                assert len(acknowledged) == STOCK
                assert_clean(await audit(http, server.url, sale_id), sold_out=True)
        finally:
            server.stop()
            if sale_id:
                await forget_sale_keys(redis_server_url, sale_id)


async def test_a_worker_killed_mid_sweep_returns_no_unit_twice(
    postgres_server_url: str, redis_server_url: str
) -> None:
    async with migrated_postgres_database(postgres_server_url) as url:
        settings = fast_settings(database_url=url, redis_url=redis_server_url)
        stock, orders = 2000, 1300  # the sweeper takes 1000 a batch: two batches
        sale_id = await due_reservations(settings, stock=stock, buyers=130, each=10)
        env = worker_env(url, redis_server_url)
        try:
            due = await due_order_ids(url)
            assert len(due) == orders
            # Locking the second batch's first order holds every worker inside that batch's
            # transaction, after the first batch was committed and given back.
            async with row_locked(url, due[1000]) as watcher:
                doomed, other = [await start_worker(env, "--interval", "0.1") for _ in range(2)]
                try:
                    await wait_for_lock_waiters(watcher, 2, within=30)
                    mid = await outcome(settings, sale_id)
                    assert mid.expired_units == 1000, "one batch done, the second under way"
                    assert mid.gate_stock_left == stock - orders + 1000
                finally:
                    doomed.kill()
            killed = await finished(doomed)
            assert killed.returncode == -9

            # The survivor sweeps what the killed worker's rolled-back transaction left.
            for _ in range(300):
                if not await due_order_ids(url):
                    break
                await asyncio.sleep(0.1)
            other.terminate()
            survived = await finished(other)
            assert survived.returncode == 0, survived.output
            assert "worker stopped" in survived.output
            assert survived.expired >= orders - 1000, survived.output

            final = await finished(await start_worker(env, "--once"))
            assert final.returncode == 0, final.output
            assert final.expired == 0, final.output

            after = await outcome(settings, sale_id)
            assert (after.expired_units, after.reserved_units) == (orders, 0)
            assert after.gate_stock_left == after.stock_left == stock, "each unit came back once"
            assert after.clean
        finally:
            await forget_sale_keys(redis_server_url, sale_id)
