"""The shop on its scale-out engines: PostgreSQL for the record, one Redis gate for every process.

Each test gets a database of its own; its sales have fresh ids, so their Redis keys
(``fs:{<sale_id>}:*``) are its own too, and are deleted afterwards.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta

import pytest
from redis.asyncio import Redis

from flashsale.bootstrap import Shop, build_shop
from flashsale.catalog.market import Market
from flashsale.catalog.service import VariantSpec
from flashsale.customers.model import Customer
from flashsale.kernel.clock import ManualClock
from flashsale.kernel.ids import new_id
from flashsale.orders.adapters.sandbox_payments import CARD_SUCCEEDS
from flashsale.orders.domain.order import Order, OrderStatus
from flashsale.sales.domain.purchase import PurchaseRequest
from flashsale.sales.domain.sale import FlashSale
from flashsale.sales.errors import LimitReached, SoldOut
from flashsale.sales.service.sales import SaleSpec
from tests.conftest import fast_settings
from tests.contract.conftest import migrated_postgres_database
from tests.gate_helpers import take

pytestmark = pytest.mark.redis

T0 = datetime(2030, 5, 12, 3, 0, tzinfo=UTC)
OPENS = T0 + timedelta(hours=2)
CLOSES = T0 + timedelta(hours=4)
PAYMENT_WINDOW = timedelta(minutes=15)
SKU = "MIBAND2-BLK"

OpenShop = Callable[[], Awaitable[Shop]]


class Engines:
    """Shops over one PostgreSQL database and one Redis, each as a separate process would be."""

    def __init__(self, database_url: str, redis_url: str) -> None:
        self.database_url = database_url
        self.redis_url = redis_url
        self.clock = ManualClock(T0)
        self.shops: list[Shop] = []
        self.sale_ids: list[str] = []

    async def shop(self) -> Shop:
        settings = fast_settings(database_url=self.database_url, redis_url=self.redis_url)
        shop = await build_shop(settings, clock=self.clock)
        self.shops.append(shop)
        return shop

    async def lose_gate(self, sale_id: str) -> None:
        """What FLUSHALL or a Redis restarted empty does to one sale."""
        redis = Redis.from_url(self.redis_url)
        try:
            keys = [key async for key in redis.scan_iter(match=f"fs:{{{sale_id}}}:*")]
            assert keys, "the sale had a gate to lose"
            await redis.delete(*keys)
        finally:
            await redis.aclose()

    async def close(self) -> None:
        for shop in self.shops:
            await shop.aclose()
        for sale_id in self.sale_ids:
            with_keys = Redis.from_url(self.redis_url)
            try:
                keys = [key async for key in with_keys.scan_iter(match=f"fs:{{{sale_id}}}:*")]
                if keys:
                    await with_keys.delete(*keys)
            finally:
                await with_keys.aclose()


@pytest.fixture
async def engines(postgres_server_url: str, redis_server_url: str) -> AsyncIterator[Engines]:
    async with migrated_postgres_database(postgres_server_url) as database_url:
        made = Engines(database_url, redis_server_url)
        try:
            yield made
        finally:
            await made.close()


async def open_sale(engines: Engines, shop: Shop, *, stock: int, limit: int) -> FlashSale:
    await shop.catalog.add_markets([Market("IN", "India", "INR", "en_IN")])
    await shop.catalog.add_product(
        "Mi Band 2", [VariantSpec(SKU, {"colour": "black"}, {"IN": "1999"})]
    )
    sale = await shop.sales.create(
        SaleSpec(
            sku=SKU,
            market="IN",
            stock=stock,
            per_customer_limit=limit,
            registration_opens_at=T0,
            registration_closes_at=OPENS,
            opens_at=OPENS,
            closes_at=CLOSES,
            payment_window_seconds=PAYMENT_WINDOW.total_seconds(),
        )
    )
    engines.sale_ids.append(sale.id)
    return sale


async def fans(shop: Shop, sale: FlashSale, count: int) -> list[str]:
    """Customers stored directly (no argon2), each registered through the shop."""
    customers = [
        Customer(
            id=new_id("cus"),
            email=f"fan{n}-{new_id('x')}@mi.example",
            password_hash="not-a-hash",
            market_code="IN",
            created_at=T0,
        )
        for n in range(count)
    ]
    await shop.store.add_customers(customers)
    for customer in customers:
        assert await shop.sales.register(sale.id, customer.id)
    return [customer.id for customer in customers]


async def assert_clean(shop: Shop, sale: FlashSale) -> None:
    audit = await shop.auditing.audit(sale.id)
    assert audit.clean, audit
    assert audit.gate_stock_left == audit.stock_left, "the gate is loaded and agrees"


async def test_a_sale_from_registration_to_expiry(engines: Engines) -> None:
    shop = await engines.shop()
    sale = await open_sale(engines, shop, stock=5, limit=2)
    alice, bob, carol = await fans(shop, sale, 3)
    engines.clock.set(OPENS)

    paid = (await shop.purchasing.purchase(alice, sale.id, 2)).order
    cancelled = (await shop.purchasing.purchase(bob, sale.id, 1)).order
    expiring = (await shop.purchasing.purchase(carol, sale.id, 2)).order
    with pytest.raises(SoldOut):
        await shop.purchasing.purchase(bob, sale.id, 1)
    assert (await shop.orders.pay(alice, paid.id, CARD_SUCCEEDS)).status is OrderStatus.PAID
    assert (await shop.orders.cancel(bob, cancelled.id)).status is OrderStatus.CANCELLED
    assert await shop.gate.stock_left(sale.id) == 1
    engines.clock.set(OPENS + PAYMENT_WINDOW)
    assert await shop.expiry.sweep() == 1

    assert (await shop.store.order(expiring.id)) is not None
    assert (await shop.orders.get(carol, expiring.id)).status is OrderStatus.EXPIRED
    assert await shop.gate.stock_left(sale.id) == 3
    with pytest.raises(LimitReached):
        await shop.purchasing.purchase(alice, sale.id, 1)
    await shop.purchasing.purchase(bob, sale.id, 2)
    audit = await shop.auditing.audit(sale.id)
    assert (audit.units.paid, audit.units.reserved, audit.stock_left) == (2, 2, 1)
    assert (audit.units.cancelled, audit.units.expired) == (1, 2)
    await assert_clean(shop, sale)


async def test_a_gate_lost_mid_sale_is_rebuilt_by_the_next_purchase(engines: Engines) -> None:
    shop = await engines.shop()
    sale = await open_sale(engines, shop, stock=10, limit=1)
    buyers = await fans(shop, sale, 12)
    engines.clock.set(OPENS)
    for buyer in buyers[:4]:
        await shop.purchasing.purchase(buyer, sale.id, 1)

    await engines.lose_gate(sale.id)
    assert await shop.gate.stock_left(sale.id) is None

    await shop.purchasing.purchase(buyers[4], sale.id, 1)
    assert await shop.gate.stock_left(sale.id) == 5
    with pytest.raises(LimitReached):  # what each buyer holds came back from the record
        await shop.purchasing.purchase(buyers[0], sale.id, 1)
    await engines.lose_gate(sale.id)
    outcomes = await asyncio.gather(
        *(shop.purchasing.purchase(buyer, sale.id, 1) for buyer in buyers[5:]),
        return_exceptions=True,
    )

    sold = [o for o in outcomes if not isinstance(o, BaseException)]
    assert len(sold) == 5
    assert all(isinstance(o, SoldOut) for o in outcomes if isinstance(o, BaseException))
    await assert_clean(shop, sale)
    assert (await shop.auditing.audit(sale.id)).units.reserved == 10


async def test_a_shop_starting_mid_sale_keeps_the_shared_gate(engines: Engines) -> None:
    first = await engines.shop()
    sale = await open_sale(engines, first, stock=10, limit=2)
    alice, bob = await fans(first, sale, 2)
    engines.clock.set(OPENS)
    await first.purchasing.purchase(alice, sale.id, 1)
    # Bob's purchase in the first process is between the gate and the store: the gate took
    # his units, the record does not know them yet.
    taken = PurchaseRequest(sale.id, bob, 2)
    assert await take(first.gate, [taken], engines.clock.now()) == [None]

    second = await engines.shop()
    await second.start()

    assert await second.gate.stock_left(sale.id) == 7, "a reload from the record resells 2"
    with pytest.raises(LimitReached):
        await second.purchasing.purchase(bob, sale.id, 1)
    now = engines.clock.now()
    await first.store.insert_orders(
        [
            Order(
                id=new_id("ord"),
                sale_id=sale.id,
                customer_id=bob,
                sku=sale.sku,
                quantity=2,
                amount=sale.price.times(2),
                status=OrderStatus.RESERVED,
                created_at=now,
                expires_at=now + sale.payment_window,
            )
        ]
    )
    await assert_clean(second, sale)


async def test_two_shops_race_for_the_last_units(engines: Engines) -> None:
    first = await engines.shop()
    sale = await open_sale(engines, first, stock=40, limit=2)
    buyers = await fans(first, sale, 60)
    second = await engines.shop()
    await second.start()
    engines.clock.set(OPENS)
    shops = (first, second)

    async def attempt(index: int) -> str | None:
        buyer = buyers[index % len(buyers)]
        try:
            result = await shops[index % 2].purchasing.purchase(buyer, sale.id, 1)
        except (SoldOut, LimitReached):  # any other refusal fails the test
            return None
        return result.order.customer_id

    # Every buyer tries three times, alternately through each shop: 180 tries for 40 units.
    outcomes = await asyncio.gather(*(attempt(i) for i in range(3 * len(buyers))))

    winners = [o for o in outcomes if o is not None]
    assert len(winners) == 40
    assert max(winners.count(buyer) for buyer in set(winners)) <= 2
    orders = await first.store.orders_of_sale(sale.id, limit=1000)
    assert sum(order.quantity for order in orders) == 40
    for shop in shops:
        assert await shop.gate.stock_left(sale.id) == 0
        await assert_clean(shop, sale)
