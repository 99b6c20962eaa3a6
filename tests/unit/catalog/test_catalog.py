"""The catalogue: markets, products and what each market sees."""

from __future__ import annotations

from decimal import Decimal

import pytest

from flashsale.catalog.service import VariantSpec
from flashsale.kernel.errors import Conflict, InvalidInput, NotFound
from flashsale.kernel.money import Money
from tests.unit.conftest import BAND_SKU, PHONE_SKU, World


async def test_markets_are_listed_by_code(world: World) -> None:
    assert [m.code for m in await world.shop.catalog.markets()] == ["ES", "IN"]
    assert (await world.shop.catalog.market("es")).currency == "EUR"


async def test_an_unknown_market_is_not_found(world: World) -> None:
    with pytest.raises(NotFound):
        await world.shop.catalog.market("XX")
    with pytest.raises(NotFound):
        await world.shop.catalog.products("XX")


async def test_prices_are_in_each_markets_currency(world: World) -> None:
    variant = await world.store.variant(BAND_SKU)
    assert variant is not None
    assert variant.price_in("IN") == Money(Decimal("999"), "INR")
    assert variant.price_in("ES") == Money(Decimal("34.99"), "EUR")


async def test_each_market_sees_only_what_is_priced_there(world: World) -> None:
    def skus(products: list) -> set[str]:  # type: ignore[type-arg]
        return {v.sku for p in products for v in p.variants}

    assert skus(await world.shop.catalog.products("IN")) == {BAND_SKU}
    assert skus(await world.shop.catalog.products("es")) == {BAND_SKU, PHONE_SKU}
    assert skus(await world.shop.catalog.products()) == {BAND_SKU, PHONE_SKU}


async def test_a_price_in_an_unknown_market_is_refused(world: World) -> None:
    with pytest.raises(InvalidInput, match="no market"):
        await world.shop.catalog.add_product("Mi 9", [VariantSpec("MI9", {}, {"XX": "1"})])


async def test_a_float_price_is_refused(world: World) -> None:
    with pytest.raises(InvalidInput, match="float"):
        await world.shop.catalog.add_product("Mi 9", [VariantSpec("MI9", {}, {"IN": 29999.0})])


async def test_a_sku_is_sold_by_one_product_only(world: World) -> None:
    with pytest.raises(Conflict):
        await world.shop.catalog.add_product("Copy", [VariantSpec(BAND_SKU, {}, {"IN": "1"})])


async def test_a_product_name_is_trimmed(world: World) -> None:
    product = await world.shop.catalog.add_product(
        "  Mi 9  ", [VariantSpec("MI9", {"colour": "blue"}, {"in": "29999"})]
    )
    assert product.name == "Mi 9"
    assert product.variants[0].prices == {"IN": Money(Decimal("29999"), "INR")}
