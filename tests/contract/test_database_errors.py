"""Database errors say what went wrong, never what was sent: no e-mail, no password hash.

Their messages end up in logs; SQLAlchemy quotes a statement's parameters into its errors
unless the engine hides them.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg.exceptions
import httpx
import pytest
import sqlalchemy.exc
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.routing import Route

from flashsale.asgi import create_app, describe_database_error
from flashsale.bootstrap import build_shop
from flashsale.platform.sql.engine import create_engine
from flashsale.record.schema import customers, markets
from tests.conftest import fast_settings
from tests.contract.conftest import database_url_of, empty_tables

EMAIL = "private.person@example.com"
PASSWORD_HASH = "$argon2id$v=19$m=8,t=1,p=1$c2VjcmV0c2FsdA$c2VjcmV0aGFzaA"


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return database_url_of(request.param, request, tmp_path)


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    if engine.dialect.name == "postgresql":
        await empty_tables(engine)
    try:
        yield engine
    finally:
        await engine.dispose()


async def duplicate_customer(engine: AsyncEngine) -> sqlalchemy.exc.IntegrityError:
    row: dict[str, Any] = {
        "email": EMAIL,
        "password_hash": PASSWORD_HASH,
        "market_code": "IN",
        "created_at": datetime(2026, 1, 1, tzinfo=UTC),
    }
    async with engine.begin() as conn:
        await conn.execute(
            insert(markets).values(code="IN", name="India", currency="INR", locale="en_IN")
        )
        await conn.execute(insert(customers).values(id="cus_1", **row))
    with pytest.raises(sqlalchemy.exc.IntegrityError) as caught:
        async with engine.begin() as conn:
            await conn.execute(insert(customers).values(id="cus_2", **row))
    return caught.value


async def test_an_integrity_error_carries_no_parameter_values(engine: AsyncEngine) -> None:
    error = await duplicate_customer(engine)
    for shown in (str(error), repr(error), describe_database_error(error)):
        assert EMAIL not in shown and PASSWORD_HASH not in shown, shown
    assert "INSERT customers" in describe_database_error(error)


async def test_an_unhandled_database_error_is_logged_without_its_data(
    engine: AsyncEngine, caplog: pytest.LogCaptureFixture
) -> None:
    error = await duplicate_customer(engine)
    # Even from an engine that does not hide parameters, the log holds none of the data.
    assert error.orig is not None
    shown = sqlalchemy.exc.IntegrityError(error.statement, {"email": EMAIL}, error.orig)
    assert EMAIL in str(shown)

    async def fails(request: Any) -> Any:
        raise shown

    shop = await build_shop(fast_settings())
    app = create_app(shop)
    app.router.routes.insert(0, Route("/fails", fails))
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://shop.test") as client:
            with caplog.at_level(logging.ERROR, logger="flashsale.asgi"):
                response = await client.get("/fails")
    finally:
        await shop.aclose()
    assert response.status_code == 500
    assert "IntegrityError" in caplog.text and "INSERT customers" in caplog.text
    assert EMAIL not in caplog.text and PASSWORD_HASH not in caplog.text


async def test_a_data_error_from_asyncpg_itself_is_422() -> None:
    async def fails(request: Any) -> Any:
        raise asyncpg.exceptions.CharacterNotInRepertoireError("invalid byte sequence: 0x00")

    shop = await build_shop(fast_settings())
    app = create_app(shop)
    app.router.routes.insert(0, Route("/fails", fails))
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://shop.test") as client:
            response = await client.get("/fails")
    finally:
        await shop.aclose()
    assert response.status_code == 422
    assert response.json()["type"] == "/problems/invalid-data"
