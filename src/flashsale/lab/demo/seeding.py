"""Putting the story into a shop: markets, catalogue, a registered crowd and the band's sale.

Markets and products are added only when missing, so the demo runs again on the same database;
every run brings its own fans and its own sale.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from flashsale.bootstrap import Shop
from flashsale.catalog.images import ProductImages
from flashsale.catalog.market import Market
from flashsale.catalog.service import Catalog
from flashsale.customers.model import Customer
from flashsale.customers.security import SessionTokens
from flashsale.kernel.ids import new_id
from flashsale.lab.crowd.fan import Fan
from flashsale.lab.demo.catalogue import BAND_SKU, DEMO_PRODUCTS, DemoProduct
from flashsale.lab.demo.markets import DEMO_MARKETS, INDIA
from flashsale.lab.demo.pictures import seed_pictures
from flashsale.sales.domain.sale import FlashSale
from flashsale.sales.service.sales import SaleSpec

# Every demo fan shares this password and one argon2 hash of it, computed once per run: hashing
# thousands of passwords at the production cost would take minutes and prove nothing. Real
# sign-ups (POST /api/v1/customers) hash each password on its own.
DEMO_FAN_PASSWORD = "mi-fan-festival-2015"
CUSTOMERS_PER_INSERT = 1000


async def seed_markets(catalog: Catalog, markets: Sequence[Market] = DEMO_MARKETS) -> int:
    """Add the markets not there yet; returns how many were added."""
    present = {market.code for market in await catalog.markets()}
    missing = [market for market in markets if market.code not in present]
    await catalog.add_markets(missing)
    return len(missing)


async def seed_catalogue(
    catalog: Catalog,
    products: Sequence[DemoProduct] = DEMO_PRODUCTS,
    *,
    images: ProductImages | None = None,
) -> int:
    """Add the products none of whose SKUs exist yet, and with ``images`` their drawn pictures
    where they have none; returns how many products were added."""
    added = 0
    for product in products:
        if any([await catalog.variant(v.sku) is not None for v in product.variants]):
            continue
        await catalog.add_product(product.name, product.variants)
        added += 1
    if images is not None:
        await seed_pictures(catalog, images, products)
    return added


async def seed_fans(shop: Shop, count: int, market: Market = INDIA) -> list[Fan]:
    """Sign up ``count`` fans in bulk and give each a session token, as a log-in would."""
    tokens = SessionTokens(shop.keys.session, shop.settings.session_ttl_seconds)
    password_hash = await shop.hasher.hash(DEMO_FAN_PASSWORD)
    run = secrets.token_hex(4)  # fresh addresses each run: emails are unique
    now = shop.clock.now()
    customers = [
        Customer(
            id=new_id("cus"),
            email=f"fan{number:06d}.{run}@fans.example.com",
            password_hash=password_hash,
            market_code=market.code,
            created_at=now,
        )
        for number in range(1, count + 1)
    ]
    for start in range(0, len(customers), CUSTOMERS_PER_INSERT):
        await shop.store.add_customers(customers[start : start + CUSTOMERS_PER_INSERT])
    return [Fan(customer.id, tokens.issue(customer.id)) for customer in customers]


async def preregister(shop: Shop, sale: FlashSale, fans: Sequence[Fan]) -> None:
    """Register the fans in bulk, as if over the days before the sale.

    One commit per registration costs an fsync each on SQLite (FULL): thousands of them outlast
    a few seconds' countdown. The crowd still registers over HTTP, which then answers "already
    registered"; ``--no-preregister`` makes every fan's registration a new one.
    """
    ids = [fan.customer_id for fan in fans]
    now = shop.clock.now()
    for start in range(0, len(ids), CUSTOMERS_PER_INSERT):
        await shop.store.add_registrations(sale.id, ids[start : start + CUSTOMERS_PER_INSERT], now)
    await shop.directory.rebuild_gate(sale)


@dataclass(frozen=True, slots=True)
class BandSale:
    stock: int
    opens_in_seconds: float
    payment_window_seconds: float
    per_customer_limit: int = 1
    # The sale stays open after the crowd has gone, for anyone who wants to try it by hand.
    open_for: timedelta = timedelta(hours=1)


async def create_band_sale(shop: Shop, terms: BandSale) -> FlashSale:
    """The Mi Band flash sale in India: registration opens now, the sale a few seconds later."""
    now = shop.clock.now()
    opens_at = now + timedelta(seconds=terms.opens_in_seconds)
    return await shop.sales.create(
        SaleSpec(
            sku=BAND_SKU,
            market=INDIA.code,
            stock=terms.stock,
            per_customer_limit=terms.per_customer_limit,
            registration_opens_at=now,
            registration_closes_at=opens_at,
            opens_at=opens_at,
            closes_at=opens_at + terms.open_for,
            payment_window_seconds=terms.payment_window_seconds,
        )
    )
