"""The CatalogRepository contract: what every record (memory, SQLite, PostgreSQL) must do alike."""

from __future__ import annotations

import pytest

from flashsale.catalog.market import Market
from flashsale.catalog.model import Product, Variant
from flashsale.kernel.errors import Conflict
from flashsale.record.store import Store
from tests.contract.record_world import INDIA, SPAIN, band


async def test_markets_are_listed_by_code_and_replaced_when_added_again(store: Store) -> None:
    await store.add_markets([INDIA, SPAIN])
    assert await store.markets() == [SPAIN, INDIA]
    renamed = Market("IN", "Bharat", "INR", "hi_IN")
    await store.add_markets([renamed])
    assert await store.market("IN") == renamed
    assert await store.market("FR") is None


async def test_product_reads_back_with_variants_and_exact_prices(store: Store) -> None:
    await store.add_markets([INDIA, SPAIN])
    await store.add_product(band())
    assert await store.products() == [band()]
    variant = await store.variant("MIBAND3-BLK")
    assert variant == band().variants[0]
    assert variant is not None
    assert str(variant.prices["IN"].amount) == "999.00"
    assert str(variant.prices["ES"].amount) == "0.10"
    assert await store.variant("NOPE") is None


async def test_products_are_listed_by_name(store: Store) -> None:
    await store.add_markets([INDIA, SPAIN])
    phone = Product("prod_phone", "Redmi Note 5", (Variant("RN5-64", "prod_phone"),))
    await store.add_product(phone)
    await store.add_product(band())
    assert [p.name for p in await store.products()] == ["Mi Band 3", "Redmi Note 5"]


async def test_product_with_a_taken_id_or_sku_is_a_conflict(store: Store) -> None:
    await store.add_markets([INDIA, SPAIN])
    await store.add_product(band())
    with pytest.raises(Conflict):
        await store.add_product(Product("prod_band", "Again", (Variant("OTHER-1", "prod_band"),)))
    with pytest.raises(Conflict):
        await store.add_product(Product("prod_new", "Copy", (Variant("MIBAND3-BLK", "prod_new"),)))
    assert [p.id for p in await store.products()] == ["prod_band"]
    assert await store.variant("OTHER-1") is None


async def test_a_markets_time_zone_reads_back_and_is_replaced_with_it(store: Store) -> None:
    kolkata = Market("IN", "India", "INR", "en_IN", "Asia/Kolkata")
    await store.add_markets([kolkata, SPAIN])
    assert await store.market("IN") == kolkata
    assert [m.timezone for m in await store.markets()] == ["UTC", "Asia/Kolkata"]
    await store.add_markets([Market("IN", "India", "INR", "en_IN", "Asia/Calcutta")])
    found = await store.market("IN")
    assert found is not None and found.timezone == "Asia/Calcutta"
