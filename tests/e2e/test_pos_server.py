"""The point of sale on a server of its own (`flashsale serve --only pos`) beside the shop's
server on one SQLite file: it serves the tills and nothing else, and the two processes selling
the same shelf at once sell each unit once, with receipt numbers that stay gap-free."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest

from flashsale.lab.devtools.server_process import ServerProcess
from flashsale.stores.service.till_register import REGISTER_TTL
from tests.e2e.conftest import ADMIN
from tests.e2e.test_pos_api import STORES, cash, on_hand, products, receive, store_body, till
from tests.e2e.test_staff_api import add_staff, log_in

pytestmark = pytest.mark.slow

SECRET = "pos-server-test-secret-key-0123456789abcdef"
UNITS, ATTEMPTS_EACH = 12, 10
Headers = dict[str, str]
MARKETS = (
    {"code": "IN", "name": "India", "currency": "INR", "locale": "en_IN"},
    {"code": "US", "name": "United States", "currency": "USD", "locale": "en_US"},
)


def env_of(database: Path) -> dict[str, str]:
    return {
        "FLASHSALE_DATABASE_URL": f"sqlite+aiosqlite:///{database}",
        "FLASHSALE_SECRET_KEY": SECRET,
        "FLASHSALE_ADMIN_TOKEN": ADMIN["Authorization"].removeprefix("Bearer "),
    }


async def clerk_at_till(shop: httpx.AsyncClient, pos: httpx.AsyncClient) -> tuple[str, Headers]:
    """A new till of Mi Home Bengaluru, and its clerk logged in on the POS's server."""
    till_id, token = await till(shop)
    return till_id, {**await log_in(pos, "clerk@shop.example"), "Till-Token": token}


async def refused_within(pos: httpx.AsyncClient, headers: Headers, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        answer = await pos.post(
            "/api/v1/pos/sales", headers={**headers, "Idempotency-Key": "after"}, json=cash()
        )
        if answer.status_code == 401:
            return True
        assert answer.status_code == 409, answer.text  # the shelf is empty: nothing is sold
        await asyncio.sleep(0.5)
    return False


async def test_the_tills_server_sells_beside_the_shops_own_on_one_file(tmp_path: Path) -> None:
    env = env_of(tmp_path / "flashsale.db")
    shop_server = ServerProcess(env, log_path=tmp_path / "shop.log")
    pos_server = ServerProcess(env, log_path=tmp_path / "pos.log", extra_args=("--only", "pos"))
    shop_server.start()
    try:
        pos_server.start()
        try:
            async with (
                httpx.AsyncClient(base_url=shop_server.url, timeout=30) as shop,
                httpx.AsyncClient(base_url=pos_server.url, timeout=30) as pos,
            ):
                for market in MARKETS:
                    added = await shop.post("/api/v1/admin/markets", headers=ADMIN, json=market)
                    assert added.status_code in (200, 201), added.text
                await products(shop)
                await add_staff(shop, "clerk@shop.example", "clerk")
                made = await shop.post(STORES, headers=ADMIN, json=store_body())
                assert made.status_code == 201, made.text
                await receive(shop, "MH-BLR", UNITS)

                # It serves the tills, the staff log-in, the /pos page and its operations only.
                assert (await pos.get("/healthz")).status_code == 200
                assert (await pos.get("/pos")).status_code == 200
                for elsewhere in ("/api/v1/sales", "/api/v1/admin/stores", "/console"):
                    answer = await pos.get(elsewhere, headers=ADMIN)
                    assert answer.status_code == 404, elsewhere

                # Two tills, one on each server, race for the shelf.
                (first_till, at_first), (_, at_second) = [
                    await clerk_at_till(shop, pos) for _ in range(2)
                ]

                async def attempts(
                    client: httpx.AsyncClient, headers: Headers
                ) -> list[httpx.Response]:
                    return [
                        await client.post(
                            "/api/v1/pos/sales",
                            headers={**headers, "Idempotency-Key": f"{id(client)}-{n}"},
                            json=cash(),
                        )
                        for n in range(ATTEMPTS_EACH)
                    ]

                by_server = await asyncio.gather(attempts(pos, at_first), attempts(shop, at_second))
                answers = by_server[0] + by_server[1]
                statuses = Counter(answer.status_code for answer in answers)
                assert statuses == {201: UNITS, 409: 2 * ATTEMPTS_EACH - UNITS}, statuses
                assert await on_hand(shop) == 0
                audit = await shop.get("/api/v1/admin/stock/audit", headers=ADMIN)
                assert audit.status_code == 200 and audit.json()["clean"], audit.text
                numbers = sorted(
                    answer.json()["receipt_number"]
                    for answer in answers
                    if answer.status_code == 201
                )
                assert numbers == [f"MH-BLR-{n:06d}" for n in range(1, UNITS + 1)]

                # A till revoked on the shop's server is refused on the tills' own within the
                # register's time to live (stores/service/till_register.py).
                revoked = await shop.delete(f"{STORES}/MH-BLR/tills/{first_till}", headers=ADMIN)
                assert revoked.status_code == 200, revoked.text
                assert await refused_within(pos, at_first, REGISTER_TTL.total_seconds() + 25)
        finally:
            pos_server.stop()
    finally:
        shop_server.stop()


def test_a_point_of_sale_server_refuses_a_record_of_its_own() -> None:
    refused = subprocess.run(
        [sys.executable, "-m", "flashsale", "serve", "--only", "pos"],
        env={"FLASHSALE_DATABASE_URL": "memory://", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert refused.returncode == 2, refused.stderr
    assert "--only pos refused" in refused.stderr
