"""``flashsale gate check|rebuild`` against PostgreSQL and Redis, in process with Typer's runner.

Only the shared gate outlives a process, so drift is made by hand in Redis, as a flush or a bug
would make it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from redis.asyncio import Redis
from typer.testing import CliRunner, Result

from flashsale.bootstrap import running_shop
from flashsale.catalog.market import Market
from flashsale.catalog.service import VariantSpec
from flashsale.cli.app import app
from flashsale.customers.model import Customer
from flashsale.kernel.clock import ManualClock
from flashsale.platform.redis.sale_keys import SaleKeys
from flashsale.platform.sql.migrate import upgrade_database
from flashsale.sales.service.sales import SaleSpec
from tests.conftest import fast_settings
from tests.contract.conftest import create_database, drop_database

pytestmark = pytest.mark.redis

T0 = datetime(2030, 5, 12, 3, 0, tzinfo=UTC)
OPENS = T0 + timedelta(hours=1)


@dataclass(frozen=True)
class Selling:
    database_url: str
    redis_url: str
    sale_id: str

    def invoke(self, *args: str) -> Result:
        return CliRunner().invoke(
            app,
            ["--database-url", self.database_url, "--redis-url", self.redis_url, *args],
            env={"COLUMNS": "200"},
        )

    def redis(self, *command: str | int) -> object:
        async def send() -> object:
            redis = Redis.from_url(self.redis_url)
            try:
                return await redis.execute_command(*command)  # type: ignore[no-untyped-call]
            finally:
                await redis.aclose()

        return asyncio.run(send())


async def sell_three_of_ten(database_url: str, redis_url: str) -> str:
    """A sale of 10 with 3 units reserved by two buyers; returns the sale's id."""
    await upgrade_database(database_url)
    settings = fast_settings(database_url=database_url, redis_url=redis_url)
    clock = ManualClock(T0)
    async with running_shop(settings, clock=clock) as shop:
        await shop.catalog.add_markets([Market("IN", "India", "INR", "en_IN")])
        await shop.catalog.add_product(
            "Mi Band 2", [VariantSpec("MIBAND2", {"colour": "black"}, {"IN": "1999"})]
        )
        sale = await shop.sales.create(
            SaleSpec(
                sku="MIBAND2",
                market="IN",
                stock=10,
                per_customer_limit=2,
                registration_opens_at=T0,
                registration_closes_at=OPENS,
                opens_at=OPENS,
                closes_at=OPENS + timedelta(hours=1),
            )
        )
        for number in (1, 2):
            await shop.store.add_customers(
                [Customer(f"cus_{number}", f"fan{number}@mi.example", "x", "IN", T0)]
            )
            await shop.sales.register(sale.id, f"cus_{number}")
        clock.set(OPENS)
        await shop.purchasing.purchase("cus_1", sale.id, 2)
        await shop.purchasing.purchase("cus_2", sale.id, 1)
        return sale.id


@pytest.fixture
def selling(postgres_server_url: str, redis_server_url: str) -> Iterator[Selling]:
    database_url = asyncio.run(create_database(postgres_server_url))
    sale_id: str | None = None
    try:
        sale_id = asyncio.run(sell_three_of_ten(database_url, redis_server_url))
        yield Selling(database_url, redis_server_url, sale_id)
    finally:
        if sale_id is not None:
            keys = SaleKeys.of(sale_id)
            Selling(database_url, redis_server_url, sale_id).redis(
                "DEL", *keys.all, keys.generation
            )
        asyncio.run(drop_database(database_url))


def test_check_agrees_then_reports_drift_and_rebuild_repairs_it(selling: Selling) -> None:
    agreed = selling.invoke("gate", "check", selling.sale_id)
    assert agreed.exit_code == 0, agreed.output
    assert "agrees" in agreed.output

    keys = SaleKeys.of(selling.sale_id)
    selling.redis("SET", keys.stock, 9)
    selling.redis("HSET", keys.held, "cus_2", 3)
    drifted = selling.invoke("gate", "check", selling.sale_id)
    assert drifted.exit_code == 1, drifted.output
    assert "units left" in drifted.output
    assert "held by cus_2" in drifted.output
    assert "held by cus_1" not in drifted.output

    rebuilt = selling.invoke("gate", "rebuild", selling.sale_id)
    assert rebuilt.exit_code == 0, rebuilt.output
    assert "9 -> 7" in rebuilt.output
    generation = selling.redis("HGET", keys.meta, "generation")
    assert isinstance(generation, bytes)
    assert f"(generation {generation.decode()})" in rebuilt.output
    assert selling.redis("GET", keys.stock) == b"7"
    again = selling.invoke("gate", "check", selling.sale_id)
    assert again.exit_code == 0, again.output


def test_check_reports_a_lost_gate_without_loading_it(selling: Selling) -> None:
    keys = SaleKeys.of(selling.sale_id)
    selling.redis("DEL", *keys.all)

    lost = selling.invoke("gate", "check", selling.sale_id)

    assert lost.exit_code == 1, lost.output
    assert "not loaded" in lost.output
    assert selling.redis("EXISTS", keys.meta) == 0
    rebuilt = selling.invoke("gate", "rebuild", selling.sale_id)
    assert "not loaded -> 7" in rebuilt.output


def test_check_of_an_unknown_sale_is_a_usage_error(selling: Selling) -> None:
    result = selling.invoke("gate", "check", "sale_nope")
    assert result.exit_code == 2, result.output
    assert "no sale sale_nope" in result.output


def test_the_in_process_gate_has_nothing_to_check(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        ["--database-url", f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}", "gate", "check", "s"],
        env={"COLUMNS": "200"},
    )
    assert result.exit_code == 2, result.output
    assert "FLASHSALE_REDIS_URL" in result.output
