"""A sale stored before today's checks (a timetable near year 1 or 9999, a row that no longer
reads) must not keep the shop from starting, nor from serving its other sales."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from flashsale.asgi import create_app
from flashsale.bootstrap import build_shop
from flashsale.catalog.market import Market
from flashsale.kernel.clock import ManualClock
from flashsale.platform.sql.engine import create_engine
from flashsale.platform.sql.migrate import upgrade_database
from tests.conftest import fast_settings
from tests.e2e.conftest import ADMIN, T0, sale_body
from tests.e2e.test_web_pages import form_post

PRODUCT = {
    "name": "Mi Band 2",
    "variants": [{"sku": "MIBAND2", "prices": {"IN": "999.00"}}],
}

# SQLite keeps UtcDateTime as the UTC wall time in text.
YEAR_ONE = {
    "registration_opens_at": "0001-01-01 00:00:00.000000",
    "registration_closes_at": "0001-01-01 00:00:05.000000",
    "opens_at": "0001-01-01 00:00:10.000000",
    "closes_at": "0001-01-01 01:00:00.000000",
}
YEAR_9999 = {
    "registration_opens_at": "9999-12-31 23:00:00.000000",
    "registration_closes_at": "9999-12-31 23:10:00.000000",
    "opens_at": "9999-12-31 23:20:00.000000",
    "closes_at": "9999-12-31 23:59:59.999999",
}


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'shop.db'}"


@contextlib.asynccontextmanager
async def serving(url: str) -> AsyncIterator[httpx.AsyncClient]:
    """The shop over ``url`` started as a server starts it (its lifespan), and a client."""
    shop = await build_shop(fast_settings(database_url=url), clock=ManualClock(T0))
    app = create_app(shop)
    try:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://shop.test") as c:
                yield c
    finally:
        await shop.aclose()


async def stored_sales(url: str, count: int) -> list[str]:
    """``count`` sales created through the API, their ids in order of creation."""
    await upgrade_database(url)
    shop = await build_shop(fast_settings(database_url=url))
    try:
        await shop.catalog.add_markets([Market("IN", "India", "INR", "en_IN")])
    finally:
        await shop.aclose()
    ids = []
    async with serving(url) as client:
        created = await client.post("/api/v1/admin/products", headers=ADMIN, json=PRODUCT)
        assert created.status_code == 201, created.text
        for _ in range(count):
            sale = await client.post("/api/v1/admin/sales", headers=ADMIN, json=sale_body())
            assert sale.status_code == 201, sale.text
            ids.append(sale.json()["id"])
    return ids


async def rewrite(url: str, sale_id: str, values: dict[str, Any]) -> None:
    """Change a stored sale behind the shop's back, as an older version could have stored it."""
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            names = ", ".join(f"{name} = :{name}" for name in values)
            await conn.execute(
                sa.text(f"UPDATE sales SET {names} WHERE id = :id"), {**values, "id": sale_id}
            )
    finally:
        await engine.dispose()


@pytest.mark.parametrize("timetable", [YEAR_ONE, YEAR_9999], ids=["year-1", "year-9999"])
async def test_a_sale_at_the_edge_of_time_leaves_the_shop_serving(
    database_url: str, timetable: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    bad, good = await stored_sales(database_url, 2)
    await rewrite(database_url, bad, timetable)
    async with serving(database_url) as client:
        listed = await client.get("/api/v1/sales")
        assert listed.status_code == 200, listed.text
        assert good in {sale["id"] for sale in listed.json()["sales"]}
        assert (await client.get(f"/api/v1/sales/{good}")).status_code == 200
        assert (await client.get("/shop/IN")).status_code == 200
        await form_post(
            client, "/console/login", "/console/login", {"token": "test-admin-token-of-the-suite"}
        )
        console = await client.get("/console/sales")
        assert console.status_code == 200, console.text
        assert good in console.text
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, caplog.text


async def test_the_gate_reconciler_survives_a_sale_closing_in_year_9999(database_url: str) -> None:
    bad, _ = await stored_sales(database_url, 2)
    await rewrite(database_url, bad, YEAR_9999)
    shop = await build_shop(fast_settings(database_url=database_url), clock=ManualClock(T0))
    try:
        await shop.reconciler.reconcile()
    finally:
        await shop.aclose()


async def test_a_sale_that_no_longer_loads_is_skipped_at_start(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    bad, good = await stored_sales(database_url, 2)
    # An opening before the registration closes: FlashSale refuses to build it.
    await rewrite(database_url, bad, {"opens_at": YEAR_ONE["opens_at"]})
    with caplog.at_level(logging.ERROR, logger="flashsale.sales.service.sale_directory"):
        async with serving(database_url) as client:
            sale = await client.get(f"/api/v1/sales/{good}")
            assert sale.status_code == 200, sale.text
            assert sale.json()["stock_left"] == 10
    assert "could not be" in caplog.text


async def test_a_room_stored_below_todays_least_rates_reads_back_at_them_and_serves(
    database_url: str,
) -> None:
    (sale_id,) = await stored_sales(database_url, 1)
    async with serving(database_url) as client:
        room = f"/api/v1/admin/sales/{sale_id}/waiting-room"
        assert (await client.put(room, headers=ADMIN, json={})).status_code == 200
    engine = create_engine(database_url)
    try:
        async with engine.begin() as conn:  # as a version without the bounds could store it
            await conn.execute(
                sa.text(
                    "UPDATE waiting_rooms SET customer_requests_per_second = 1e-308,"
                    " admission_rate_per_second = 1e-9 WHERE sale_id = :id"
                ),
                {"id": sale_id},
            )
    finally:
        await engine.dispose()
    async with serving(database_url) as client:
        read = await client.get(f"/api/v1/admin/sales/{sale_id}/waiting-room", headers=ADMIN)
        assert read.status_code == 200, read.text
        assert read.json()["customer_requests_per_second"] == 0.01
        assert read.json()["admission_rate_per_second"] == 0.01
        body = {"email": "fan@example.com", "password": "mi-fan-2015", "market": "IN"}
        assert (await client.post("/api/v1/customers", json=body)).status_code == 201
        login = {"email": body["email"], "password": body["password"]}
        session = await client.post("/api/v1/sessions", json=login)
        fan = {"Authorization": f"Bearer {session.json()['token']}"}
        status = await client.get(f"/api/v1/sales/{sale_id}/queue", headers=fan)
        assert status.status_code < 500, status.text
