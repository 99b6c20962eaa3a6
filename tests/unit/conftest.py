"""Builders for the unit tier: one timetable, one market pair, one Mi Band sale on memory adapters.

Every time is relative to ``T0`` so that a test reads as "one microsecond before opening" rather
than as a wall-clock date.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from flashsale.bootstrap import Shop, build_shop
from flashsale.catalog.market import Market
from flashsale.catalog.service import VariantSpec
from flashsale.customers.model import Customer
from flashsale.kernel.clock import ManualClock
from flashsale.kernel.money import Money
from flashsale.orders.adapters.sandbox_payments import SandboxPaymentGateway
from flashsale.orders.domain.order import Order, OrderStatus
from flashsale.record.memory_store import MemoryStore
from flashsale.sales.adapters.local_gate import LocalStockGate
from flashsale.sales.domain.sale import FlashSale
from flashsale.sales.service.sales import SaleSpec
from tests.conftest import fast_settings

T0 = datetime(2026, 7, 1, 8, 0, tzinfo=UTC)
REGISTRATION_OPENS = T0 + timedelta(hours=1)
REGISTRATION_CLOSES = T0 + timedelta(hours=2)
OPENS = T0 + timedelta(hours=3)
CLOSES = T0 + timedelta(hours=5)
PAYMENT_WINDOW = timedelta(minutes=15)
ONE_MICROSECOND = timedelta(microseconds=1)

INDIA = Market(code="IN", name="India", currency="INR", locale="en_IN")
SPAIN = Market(code="ES", name="España", currency="EUR", locale="es_ES")
BAND_SKU = "MIBAND4-BLK"
BAND_PRICE = Money(Decimal("999"), "INR")
PHONE_SKU = "REDMI-NOTE7-64"  # priced in Spain only
PASSWORD = "correct horse battery"


def make_sale(**overrides: Any) -> FlashSale:
    values: dict[str, Any] = {
        "id": "sale_band",
        "sku": BAND_SKU,
        "market_code": "IN",
        "price": BAND_PRICE,
        "stock_total": 10,
        "per_customer_limit": 2,
        "registration_opens_at": REGISTRATION_OPENS,
        "registration_closes_at": REGISTRATION_CLOSES,
        "opens_at": OPENS,
        "closes_at": CLOSES,
        "payment_window": PAYMENT_WINDOW,
    }
    values.update(overrides)
    return FlashSale(**values)


def make_order(**overrides: Any) -> Order:
    values: dict[str, Any] = {
        "id": "ord_1",
        "sale_id": "sale_band",
        "customer_id": "cus_1",
        "sku": BAND_SKU,
        "quantity": 1,
        "amount": BAND_PRICE,
        "status": OrderStatus.RESERVED,
        "created_at": OPENS,
        "expires_at": OPENS + PAYMENT_WINDOW,
    }
    values.update(overrides)
    return Order(**values)


def sale_spec(**overrides: Any) -> SaleSpec:
    values: dict[str, Any] = {
        "sku": BAND_SKU,
        "market": "IN",
        "stock": 10,
        "per_customer_limit": 2,
        "registration_opens_at": REGISTRATION_OPENS,
        "registration_closes_at": REGISTRATION_CLOSES,
        "opens_at": OPENS,
        "closes_at": CLOSES,
        "payment_window_seconds": PAYMENT_WINDOW.total_seconds(),
    }
    values.update(overrides)
    return SaleSpec(**values)


async def stock_catalogue(shop: Shop) -> None:
    await shop.catalog.add_markets([INDIA, SPAIN])
    await shop.catalog.add_product(
        "Mi Band 4",
        [VariantSpec(BAND_SKU, {"colour": "black"}, {"IN": "999", "ES": "34.99"})],
    )
    await shop.catalog.add_product(
        "Redmi Note 7", [VariantSpec(PHONE_SKU, {"storage": "64 GB"}, {"ES": "179.00"})]
    )


def quick_customer(number: int, market_code: str = "IN") -> Customer:
    """A customer stored directly, skipping argon2, for tests about buying rather than log-in."""
    return Customer(
        id=f"cus_{number}",
        email=f"fan{number}@mi.example",
        password_hash="not-a-hash",
        market_code=market_code,
        created_at=T0,
    )


@dataclass
class World:
    """A shop at T0 with the catalogue, a Mi Band sale and helpers to move through it."""

    shop: Shop
    clock: ManualClock
    store: MemoryStore
    gateway: SandboxPaymentGateway
    sale: FlashSale
    _customers: int = field(default=0)

    async def customer(self, *, register: bool = True) -> str:
        """A new customer, registered for the sale unless told otherwise."""
        self._customers += 1
        customer = quick_customer(self._customers)
        await self.store.add_customers([customer])
        if register:
            moment = self.clock.now()
            self.clock.set(REGISTRATION_OPENS)
            assert await self.shop.sales.register(self.sale.id, customer.id)
            self.clock.set(moment)
        return customer.id

    async def stock_left(self) -> int | None:
        return await self.shop.gate.stock_left(self.sale.id)

    async def assert_clean(self) -> None:
        audit = await self.shop.auditing.audit(self.sale.id)
        assert audit.clean, audit

    def at(self, moment: datetime) -> None:
        self.clock.set(moment)

    async def restart(self) -> Shop:
        """A new process over the same record: fresh gate, fresh caches, same gateway."""
        await self.shop.purchasing.drain()
        self.shop = await build_shop(
            fast_settings(),
            clock=self.clock,
            store=self.store,
            gate=LocalStockGate(),
            gateway=self.gateway,
        )
        return self.shop


async def build_world(stock: int = 10, limit: int = 2) -> World:
    clock = ManualClock(T0)
    store = MemoryStore()
    gateway = SandboxPaymentGateway()
    shop = await build_shop(fast_settings(), clock=clock, store=store, gateway=gateway)
    await stock_catalogue(shop)
    sale = await shop.sales.create(sale_spec(stock=stock, per_customer_limit=limit))
    return World(shop=shop, clock=clock, store=store, gateway=gateway, sale=sale)


@pytest.fixture
async def world() -> AsyncIterator[World]:
    built = await build_world()
    yield built
    await built.shop.aclose()
