"""Editing a product in the record: its name, its variants' attributes and prices, and new
variants; never a SKU of another product, never half an edit. Memory, SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from flashsale.catalog.model import Product, Variant
from flashsale.kernel.errors import Conflict
from flashsale.kernel.money import Money
from flashsale.record.store import Store
from tests.contract.record_world import INDIA, SPAIN, band


async def test_a_product_is_renamed_repriced_and_gains_a_variant(store: Store) -> None:
    await store.add_markets([INDIA, SPAIN])
    product = band()
    await store.add_product(product)
    first = product.variants[0]
    repriced = replace(
        first,
        attributes={"colour": "black", "strap": "silicone"},
        prices={"ES": Money(Decimal("19.90"), "EUR")},
    )
    added = Variant(
        "MIBAND3-RED", product.id, {"colour": "red"}, {"IN": Money(Decimal("1099"), "INR")}
    )
    edited = Product(product.id, "Mi Band 3 (2018)", (repriced, *product.variants[1:], added))
    assert await store.save_product(edited)
    assert await store.products() == [edited]
    assert await store.variant("MIBAND3-RED") == added
    assert await store.variant(first.sku) == repriced  # the Indian price is gone
    assert not await store.save_product(replace(edited, id="prod_none"))


async def test_a_sku_of_another_product_stores_nothing(store: Store) -> None:
    await store.add_markets([INDIA, SPAIN])
    product = band()
    other = Product(
        "prod_other",
        "Mi Power Bank",
        (Variant("MIPB-1", "prod_other", {}, {"IN": Money(Decimal("999"), "INR")}),),
    )
    await store.add_product(product)
    await store.add_product(other)
    clash = Product(
        product.id,
        "Renamed",
        (*product.variants, replace(other.variants[0], product_id=product.id)),
    )
    with pytest.raises(Conflict):
        await store.save_product(clash)
    assert sorted(p.name for p in await store.products()) == sorted([product.name, other.name])
    assert await store.variant("MIPB-1") == other.variants[0]
