"""An app over a ManualClock, served in-process through httpx's ASGITransport."""

from __future__ import annotations

import atexit
import contextlib
import shutil
import sqlite3
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from flashsale.asgi import create_app
from flashsale.bootstrap import MEMORY_DATABASE_URL, Shop, build_shop
from flashsale.catalog.market import Market
from flashsale.kernel.clock import ManualClock
from tests.conftest import fast_settings

T0 = datetime(2015, 5, 12, 3, 0, tzinfo=UTC)  # the Mi Band sale in India opened at 04:30
ADMIN = {"Authorization": "Bearer test-admin-token-of-the-suite"}


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(T0)


_MIGRATED: list[Path] = []  # this process's migrated SQLite file, copied for each test


async def sqlite_database(tmp_path: Path) -> str:
    """A migrated SQLite database of its own: a copy of one migrated once per process
    (migrating took 100-200 ms, before some 600 tests; a copy takes about one)."""
    from flashsale.platform.sql.migrate import upgrade_database

    if not _MIGRATED:
        folder = tempfile.mkdtemp(prefix="flashsale-migrated-")
        atexit.register(shutil.rmtree, folder, True)
        template = Path(folder) / "template.db"
        await upgrade_database(f"sqlite+aiosqlite:///{template}")
        with contextlib.closing(sqlite3.connect(template)) as db:  # all of it in the file
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        _MIGRATED.append(template)
    path = tmp_path / "shop.db"
    shutil.copyfile(_MIGRATED[0], path)
    return f"sqlite+aiosqlite:///{path}"


@contextlib.asynccontextmanager
async def shop_with_markets(database_url: str, clock: ManualClock) -> AsyncIterator[Shop]:
    """A shop on that database, with India and the United States to sell in."""
    shop = await build_shop(fast_settings(database_url=database_url), clock=clock)
    try:
        await shop.catalog.add_markets(
            [Market("IN", "India", "INR", "en_IN"), Market("US", "United States", "USD", "en_US")]
        )
        yield shop
    finally:
        await shop.aclose()


@pytest.fixture(params=["memory", "sqlite"])
async def shop(
    request: pytest.FixtureRequest, clock: ManualClock, tmp_path: Path
) -> AsyncIterator[Shop]:
    url = MEMORY_DATABASE_URL if request.param == "memory" else await sqlite_database(tmp_path)
    async with shop_with_markets(url, clock) as shop:
        yield shop


@pytest.fixture
async def client(shop: Shop) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(shop)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://shop.test") as client:
            yield client


Headers = dict[str, str]


@pytest.fixture
def sign_up(client: httpx.AsyncClient) -> Callable[[str], Awaitable[Headers]]:
    return signing_up(client)


def signing_up(client: httpx.AsyncClient) -> Callable[[str], Awaitable[Headers]]:
    """Sign up and log in a fan on this client; their Authorization header."""

    async def sign_up(email: str) -> Headers:
        created = await client.post(
            "/api/v1/customers", json={"email": email, "password": "mi-fan-2015", "market": "IN"}
        )
        assert created.status_code == 201, created.text
        session = await client.post(
            "/api/v1/sessions", json={"email": email, "password": "mi-fan-2015"}
        )
        assert session.status_code == 200, session.text
        return {"Authorization": f"Bearer {session.json()['token']}"}

    return sign_up


def sale_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "sku": "MIBAND2",
        "market": "IN",
        "stock": 10,
        "per_customer_limit": 1,
        "registration_opens_at": T0.isoformat(),
        "registration_closes_at": (T0 + timedelta(hours=1)).isoformat(),
        "opens_at": (T0 + timedelta(hours=1, minutes=30)).isoformat(),
        "closes_at": (T0 + timedelta(hours=3)).isoformat(),
        "payment_window_seconds": 60,
    }
    body.update(overrides)
    return body


@pytest.fixture
def create_sale(client: httpx.AsyncClient) -> Callable[..., Awaitable[dict[str, Any]]]:
    return creating_sales(client)


def creating_sales(client: httpx.AsyncClient) -> Callable[..., Awaitable[dict[str, Any]]]:
    """Create a Mi Band sale on this client (the product too, once)."""

    async def create_sale(**overrides: Any) -> dict[str, Any]:
        product = await client.post(
            "/api/v1/admin/products",
            headers=ADMIN,
            json={
                "name": "Mi Band 2",
                "variants": [
                    {
                        "sku": "MIBAND2",
                        "attributes": {"colour": "black"},
                        "prices": {"IN": "999.00", "US": "18.00"},
                    }
                ],
            },
        )
        assert product.status_code in (201, 409), product.text
        created = await client.post(
            "/api/v1/admin/sales", headers=ADMIN, json=sale_body(**overrides)
        )
        assert created.status_code == 201, created.text
        return dict(created.json())

    return create_sale
