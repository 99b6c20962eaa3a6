"""What the webhook benchmarks share: the seeded record, the receiver process, a count."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any

import orjson
from sqlalchemy import func, select

from flashsale.catalog.market import Market
from flashsale.catalog.model import Product, Variant
from flashsale.customers.model import Customer
from flashsale.kernel.clock import SystemClock
from flashsale.kernel.ids import new_id
from flashsale.kernel.money import Money
from flashsale.orders.domain.order import Order, OrderStatus, Payment, PaymentStatus
from flashsale.platform.sql.migrate import upgrade_database
from flashsale.record.schema import webhook_deliveries
from flashsale.record.sql_store import SqlStore
from flashsale.sales.domain.sale import FlashSale
from flashsale.webhooks.adapters.host_resolver import SystemResolver
from flashsale.webhooks.domain.delivery import DeliveryStatus
from flashsale.webhooks.service.subscriptions import Subscriptions

HERE = Path(__file__).parent
SECRET = "whsec_" + "YmVuY2htYXJrLXdlYmhvb2stc2VjcmV0LTMyLWJ5dGU="  # 32 bytes
PRICE = Money.of("999.00", "INR")
CUSTOMERS = 1000
BATCH = 1000


def copy_database(source: Path, target: Path) -> Path:
    for suffix in ("", "-wal", "-shm"):
        if Path(f"{source}{suffix}").exists():
            shutil.copyfile(f"{source}{suffix}", f"{target}{suffix}")
    return target


async def subscribe(store: SqlStore, url: str) -> str:
    """A subscription to every event, made before the events it is to be sent."""
    service = Subscriptions(store, SystemClock(), SystemResolver(), development=True)
    return (await service.create(url, ["*"], SECRET)).id


async def seed(path: Path, events: int) -> None:
    """A sale, its customers, and ``events // 2`` orders each reserved and then paid."""
    url = f"sqlite+aiosqlite:///{path}"
    await upgrade_database(url)
    store = await SqlStore.open(url)
    try:
        await subscribe(store, "http://127.0.0.1:9/hook")  # the run points it at its receiver
        now = datetime.now(UTC)
        await store.add_markets([Market("IN", "India", "INR", "en_IN")])
        band = Variant("MIBAND2", "prod_band", {"colour": "black"}, {"IN": PRICE})
        await store.add_product(Product("prod_band", "Mi Band 2", (band,)))
        customers = [
            Customer(f"cus_{n:06d}", f"fan{n}@bench.example", "hash", "IN", now)
            for n in range(CUSTOMERS)
        ]
        await store.add_customers(customers)
        orders = events // 2
        sale = FlashSale(
            id="sale_band", sku="MIBAND2", market_code="IN", price=PRICE, stock_total=orders,
            per_customer_limit=orders, registration_opens_at=now - timedelta(hours=2),
            registration_closes_at=now - timedelta(hours=1), opens_at=now - timedelta(hours=1),
            closes_at=now + timedelta(days=1),
        )  # fmt: skip
        await store.add_sale(sale)
        for start in range(0, orders, BATCH):
            batch = [
                Order(
                    id=new_id("ord"),
                    sale_id=sale.id,
                    customer_id=customers[n % CUSTOMERS].id,
                    sku="MIBAND2",
                    quantity=1,
                    amount=PRICE,
                    status=OrderStatus.RESERVED,
                    created_at=now,
                    expires_at=now + timedelta(hours=1),
                )
                for n in range(start, min(start + BATCH, orders))
            ]
            await store.insert_orders(batch)
            await store.mark_paid(
                [
                    Payment(f"pay_{o.id}", o.id, PRICE, PaymentStatus.SUCCEEDED, "ref", now)
                    for o in batch
                ]
            )
    finally:
        await store.close()


async def count_deliveries(path: Path, status: DeliveryStatus) -> int:
    store = await SqlStore.open(f"sqlite+aiosqlite:///{path}")
    try:
        query = select(func.count()).where(webhook_deliveries.c.status == status.value)
        async with store.engine.connect() as conn:
            return int(await conn.scalar(query) or 0)
    finally:
        await store.close()


class ReceiverProcess:
    """benchmarks/webhook_receiver.py, started and stopped around a block."""

    def __init__(self, secret: str) -> None:
        self._secret = secret
        self._process: subprocess.Popen[str] | None = None
        self.url = ""

    def __enter__(self) -> ReceiverProcess:
        env = {**os.environ, "FLASHSALE_BENCH_WEBHOOK_SECRET": self._secret}
        command = [sys.executable, str(HERE / "webhook_receiver.py")]
        self._process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True)
        assert self._process.stdout is not None
        line = self._process.stdout.readline()
        if not line.startswith("PORT "):
            raise RuntimeError(f"the receiver did not start: {line!r}")
        self._base = f"http://127.0.0.1:{int(line.split()[1])}"
        self.url = f"{self._base}/hook"
        return self

    def stats(self) -> dict[str, Any]:
        with urllib.request.urlopen(f"{self._base}/stats") as answer:
            found: dict[str, Any] = orjson.loads(answer.read())
        return found

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._process is not None:
            self._process.terminate()
            self._process.wait(10)
