"""Helpers for tests against a real server process over TCP, driven with aiohttp."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import aiohttp

from tests.conftest import GENEROUS_AUTH_LIMITS

ADMIN_TOKEN = "live-admin-token-of-real-servers"
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
T = TypeVar("T")


def server_env(database_path: Path, **extra: str) -> dict[str, str]:
    return {
        "FLASHSALE_DATABASE_URL": f"sqlite+aiosqlite:///{database_path}",
        "FLASHSALE_ADMIN_TOKEN": ADMIN_TOKEN,
        "FLASHSALE_SECRET_KEY": "live-secret-key-of-real-server-processes",
        "FLASHSALE_PASSWORD_TIME_COST": "1",
        "FLASHSALE_PASSWORD_MEMORY_COST_KIB": "8",
        "FLASHSALE_EXPIRY_SWEEP_SECONDS": "0.2",
        # A crowd of fans signs up and logs in from one address.
        **{f"FLASHSALE_{name.upper()}": str(value) for name, value in GENEROUS_AUTH_LIMITS.items()},
        **extra,
    }


async def bounded(limit: int, jobs: Iterable[Callable[[], Awaitable[T]]]) -> list[T]:
    gate = asyncio.Semaphore(limit)

    async def run(job: Callable[[], Awaitable[T]]) -> T:
        async with gate:
            return await job()

    return await asyncio.gather(*(run(job) for job in jobs))


async def json_of(response: aiohttp.ClientResponse) -> Any:
    return await response.json(content_type=None)


async def create_band_sale(
    http: aiohttp.ClientSession,
    url: str,
    *,
    stock: int,
    opens_in: float,
    payment_window: float,
    limit: int = 1,
) -> dict[str, Any]:
    async with http.post(
        f"{url}/api/v1/admin/products",
        headers=ADMIN,
        json={
            "name": "Mi Band 2",
            "variants": [{"sku": "MIBAND2", "attributes": {}, "prices": {"IN": "999.00"}}],
        },
    ) as answer:
        assert answer.status in (201, 409), await answer.text()
    now = datetime.now(UTC)
    opens = now + timedelta(seconds=opens_in)
    async with http.post(
        f"{url}/api/v1/admin/sales",
        headers=ADMIN,
        json={
            "sku": "MIBAND2",
            "market": "IN",
            "stock": stock,
            "per_customer_limit": limit,
            "registration_opens_at": (now - timedelta(seconds=1)).isoformat(),
            "registration_closes_at": opens.isoformat(),
            "opens_at": opens.isoformat(),
            "closes_at": (opens + timedelta(hours=1)).isoformat(),
            "payment_window_seconds": payment_window,
        },
    ) as answer:
        assert answer.status == 201, await answer.text()
        return dict(await json_of(answer))


async def set_waiting_room(
    http: aiohttp.ClientSession, url: str, sale_id: str, **settings: Any
) -> None:
    async with http.put(
        f"{url}/api/v1/admin/sales/{sale_id}/waiting-room", headers=ADMIN, json=settings
    ) as answer:
        assert answer.status == 200, await answer.text()


async def add_india(http: aiohttp.ClientSession, url: str) -> None:
    market = {"code": "IN", "name": "India", "currency": "INR", "locale": "en_IN"}
    async with http.post(f"{url}/api/v1/admin/markets", headers=ADMIN, json=market) as answer:
        assert answer.status in (200, 201), await answer.text()


async def sign_up_fans(
    http: aiohttp.ClientSession, url: str, count: int, prefix: str = "fan"
) -> list[dict[str, str]]:
    """Sign up and log in ``count`` fans; returns their Authorization headers."""

    async def one(i: int) -> dict[str, str]:
        email = f"{prefix}{i}@example.com"
        body = {"email": email, "password": "mi-fan-2015", "market": "IN"}
        async with http.post(f"{url}/api/v1/customers", json=body) as answer:
            assert answer.status == 201, await answer.text()
        login = {"email": email, "password": body["password"]}
        async with http.post(f"{url}/api/v1/sessions", json=login) as answer:
            assert answer.status == 200, await answer.text()
            token = (await json_of(answer))["token"]
        return {"Authorization": f"Bearer {token}"}

    return await bounded(32, [partial(one, i) for i in range(count)])


async def register_fans(
    http: aiohttp.ClientSession, url: str, sale_id: str, crowd: list[dict[str, str]]
) -> None:
    async def one(headers: dict[str, str]) -> None:
        async with http.post(
            f"{url}/api/v1/sales/{sale_id}/registrations", headers=headers
        ) as answer:
            assert answer.status == 201, await answer.text()

    await bounded(32, [partial(one, h) for h in crowd])


async def wait_until_open(http: aiohttp.ClientSession, url: str, sale_id: str) -> None:
    for _ in range(600):
        async with http.get(f"{url}/api/v1/sales/{sale_id}") as answer:
            if (await json_of(answer))["state"] == "open":
                return
        await asyncio.sleep(0.05)
    raise TimeoutError("the sale never opened")


async def audit(http: aiohttp.ClientSession, url: str, sale_id: str) -> dict[str, Any]:
    async with http.get(f"{url}/api/v1/admin/sales/{sale_id}/audit", headers=ADMIN) as answer:
        assert answer.status == 200, await answer.text()
        return dict(await json_of(answer))
