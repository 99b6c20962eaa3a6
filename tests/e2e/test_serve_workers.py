"""``flashsale serve --workers 2`` on Redis + PostgreSQL: two processes, one sale, no oversell.

Which process answered is read from the kernel, not from the app: each accepted connection is
a socket in exactly one worker's file table (/proc/PID/fd), matched with /proc/net/tcp.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections import Counter
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
    register_fans,
    sign_up_fans,
    wait_until_open,
)
from tests.e2e.test_scaleout_faults import (
    FANS,
    STOCK,
    assert_clean,
    assert_stored,
    buy,
    scaleout_env,
)
from tests.e2e.test_worker import forget_sale_keys

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.redis]

WORKERS = 2
BURST_TIMEOUT = 60.0
Headers = dict[str, str]
_ESTABLISHED = "01"


def worker_pids(supervisor: int) -> list[int]:
    """The supervisor's server processes (not multiprocessing's resource tracker)."""
    children = Path(f"/proc/{supervisor}/task/{supervisor}/children").read_text().split()
    return [
        int(pid) for pid in children if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()
    ]


def socket_inodes(pid: int) -> set[int]:
    inodes = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            link = os.readlink(f"/proc/{pid}/fd/{fd}")
        except FileNotFoundError:  # closed meanwhile
            continue
        if link.startswith("socket:["):
            inodes.add(int(link[8:-1]))
    return inodes


def connections_by_worker(pids: list[int], port: int) -> Counter[int]:
    """How many accepted connections to ``port`` each worker holds open right now."""
    accepted: set[int] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            local_port = int(fields[1].rsplit(":", 1)[1], 16)
            if local_port == port and fields[3] == _ESTABLISHED:
                accepted.add(int(fields[9]))
    return Counter({pid: len(socket_inodes(pid) & accepted) for pid in pids})


def log_of(path: Path) -> str:
    return path.read_text(errors="replace")


def alive(pids: list[int]) -> bool:
    return any(Path(f"/proc/{pid}").exists() for pid in pids)


async def open_band_sale(http: aiohttp.ClientSession, url: str) -> tuple[str, list[Headers]]:
    await add_india(http, url)
    crowd = await sign_up_fans(http, url, FANS)
    # Room to register everybody on a busy 2-core machine before the opening second.
    sale = await create_band_sale(http, url, stock=STOCK, opens_in=15.0, payment_window=600)
    await register_fans(http, url, sale["id"], crowd)
    await wait_until_open(http, url, sale["id"])
    return str(sale["id"]), crowd


async def both_started(server: ServerProcess, log: Path) -> list[int]:
    for _ in range(600):
        if log_of(log).count("Application startup complete") >= WORKERS:
            pids = worker_pids(server.pid)
            assert len(pids) == WORKERS, pids
            return pids
        await asyncio.sleep(0.05)
    raise TimeoutError(f"{WORKERS} workers did not start: {log_of(log)[-3000:]}")


async def gone(pids: list[int], within: float) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if not alive(pids):
            return True
        await asyncio.sleep(0.05)
    return False


async def test_two_worker_processes_sell_exactly_the_stock(
    tmp_path: Path, postgres_server_url: str, redis_server_url: str
) -> None:
    async with migrated_postgres_database(postgres_server_url) as database_url:
        env = scaleout_env(tmp_path, database_url, redis_server_url)
        log = tmp_path / "server.log"
        server = ServerProcess(env, log_path=log, extra_args=("--workers", str(WORKERS)))
        sale_id = ""
        try:
            server.start()
            pids = await both_started(server, log)
            async with aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=1000),
                timeout=aiohttp.ClientTimeout(total=BURST_TIMEOUT),
            ) as http:
                sale_id, crowd = await open_band_sale(http, server.url)
                acknowledged: dict[str, Headers] = {}
                statuses: Counter[int] = Counter()
                refusals: Counter[str] = Counter()

                async def attempt(fan: Headers) -> None:
                    status, body = await buy(http, server.url, sale_id, fan)
                    statuses[status] += 1
                    if status == 201:
                        acknowledged[body["order_id"]] = fan
                    else:
                        assert status == 409, body
                        refusals[body["type"]] += 1

                # Every fan clicks twice at once: 600 requests for 200 units, limit 1 each.
                burst = [attempt(fan) for fan in crowd for _ in range(2)]
                await asyncio.wait_for(asyncio.gather(*burst), BURST_TIMEOUT)
                served = connections_by_worker(pids, server.port)

                assert statuses[201] == STOCK, statuses
                assert len(acknowledged) == STOCK
                assert len({fan["Authorization"] for fan in acknowledged.values()}) == STOCK
                assert set(refusals) <= {"/problems/sold-out", "/problems/limit-reached"}
                assert all(served[pid] > 0 for pid in pids), f"one process served all: {served}"

                await assert_stored(http, server.url, acknowledged)
                report: dict[str, Any] = await audit(http, server.url, sale_id)
                assert_clean(report, sold_out=True)

            # A supervisor killed outright takes its workers with it: none keeps the port.
            os.kill(server.pid, signal.SIGKILL)
            assert await gone(pids, within=15), "workers outlived their supervisor"
        finally:
            server.kill()
            if sale_id:
                await forget_sale_keys(redis_server_url, sale_id)
