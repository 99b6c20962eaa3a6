"""The catalogue: markets, products and what each market sees."""

from __future__ import annotations

from decimal import Decimal

import pytest

from flashsale.catalog.market import MAX_MARKET_NAME_LENGTH, Market
from flashsale.catalog.model import (
    MAX_ATTRIBUTE_NAME_LENGTH,
    MAX_ATTRIBUTE_VALUE_LENGTH,
    MAX_ATTRIBUTES,
    MAX_NAME_LENGTH,
    Product,
)
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


async def _add(world: World, spec: VariantSpec, name: str = "Mi 9") -> Product:
    return await world.shop.catalog.add_product(name, [spec])


@pytest.mark.parametrize(
    ("prices", "refusal"),
    [
        ({"IN": "999.001"}, "MI9: prices: IN: '999.001' has 3 decimal places; INR"),
        ({"ES": "34.999"}, "MI9: prices: ES: .* EUR amounts have at most 2"),
        ({"IN": Decimal("1E-30")}, "MI9: prices: IN: .* decimal places"),
        ({"IN": "1E-30"}, "MI9: prices: IN: '1E-30' is not a decimal string"),
        ({"IN": "1_000"}, "MI9: prices: IN: '1_000' is not a decimal string"),
        ({"IN": " 999"}, "MI9: prices: IN: ' 999' is not a decimal string"),
        ({"IN": True}, "MI9: prices: IN: .*not floats"),
    ],
)
async def test_a_price_is_strict_and_no_finer_than_the_currency(
    world: World, prices: dict[str, object], refusal: str
) -> None:
    with pytest.raises(InvalidInput, match=refusal):
        await _add(world, VariantSpec("MI9", {}, prices))
    assert await world.shop.catalog.variant("MI9") is None


async def test_a_price_as_fine_as_the_minor_unit_is_kept_as_written(world: World) -> None:
    product = await _add(world, VariantSpec("MI9", {}, {"IN": "29999.50", "ES": "299.9"}))
    assert {c: str(p.amount) for c, p in product.variants[0].prices.items()} == {
        "IN": "29999.50",
        "ES": "299.9",
    }


async def test_one_market_given_twice_in_two_cases_is_refused(world: World) -> None:
    with pytest.raises(InvalidInput, match="'in' and 'IN' are the same market"):
        await _add(world, VariantSpec("MI9", {}, {"in": "1", "IN": "2"}))


async def test_a_variant_without_a_price_is_refused(world: World) -> None:
    with pytest.raises(InvalidInput, match="MI9: prices: give a price"):
        await _add(world, VariantSpec("MI9", {"colour": "blue"}, {}))


async def test_a_product_without_variants_is_refused(world: World) -> None:
    with pytest.raises(InvalidInput, match="at least one variant"):
        await world.shop.catalog.add_product("Mi 9", [])


@pytest.mark.parametrize("name", ["", "   ", "\t\n", "x" * (MAX_NAME_LENGTH + 1)])
async def test_a_product_name_is_something_and_bounded(world: World, name: str) -> None:
    with pytest.raises(InvalidInput, match="name"):
        await _add(world, VariantSpec("MI9", {}, {"IN": "1"}), name=name)


async def test_a_name_of_the_longest_length_is_accepted(world: World) -> None:
    name = "x" * MAX_NAME_LENGTH
    assert (await _add(world, VariantSpec("MI9", {}, {"IN": "1"}), name=f" {name} ")).name == name


@pytest.mark.parametrize(
    ("attributes", "refusal"),
    [
        ({f"a{i}": "x" for i in range(MAX_ATTRIBUTES + 1)}, "attributes: at most"),
        ({"": "x"}, "attribute name: must not be empty"),
        ({"  ": "x"}, "attribute name: must not be empty"),
        ({"colour": "   "}, "attribute colour: must not be empty"),
        ({"k" * (MAX_ATTRIBUTE_NAME_LENGTH + 1): "x"}, "attribute name: at most"),
        ({"colour": "x" * (MAX_ATTRIBUTE_VALUE_LENGTH + 1)}, "attribute colour: at most"),
        ({"colour": "black", " colour ": "blue"}, "'colour' is given twice"),
    ],
)
async def test_attributes_are_bounded(
    world: World, attributes: dict[str, str], refusal: str
) -> None:
    with pytest.raises(InvalidInput, match=refusal):
        await _add(world, VariantSpec("MI9", attributes, {"IN": "1"}))


async def test_attributes_are_trimmed(world: World) -> None:
    product = await _add(world, VariantSpec("MI9", {" colour ": " deep blue "}, {"IN": "1"}))
    assert product.variants[0].attributes == {"colour": "deep blue"}


async def test_a_market_put_is_trimmed_and_checked(world: World) -> None:
    await world.shop.catalog.put_market(Market("JP", " Japan ", "JPY", "ja_JP"))
    assert (await world.shop.catalog.market("JP")).name == "Japan"
    for market in (
        Market("JP", "   ", "JPY", "ja_JP"),
        Market("JP", "J" * (MAX_MARKET_NAME_LENGTH + 1), "JPY", "ja_JP"),
        Market("JP", "Japan", "JPY", "ja JP"),
        Market("JP", "Japan", "JPY", ""),
    ):
        with pytest.raises(InvalidInput, match=r"name|locale"):
            await world.shop.catalog.put_market(market)


async def test_a_yen_price_has_no_fraction(world: World) -> None:
    await world.shop.catalog.put_market(Market("JP", "Japan", "JPY", "ja_JP"))
    with pytest.raises(
        InvalidInput, match=r"JP: '1999\.00' has 2 decimal places; JPY .* at most 0"
    ):
        await _add(world, VariantSpec("MI9", {}, {"JP": "1999.00"}))
    product = await _add(world, VariantSpec("MI9", {}, {"jp": "1999"}))
    assert product.variants[0].prices == {"JP": Money(Decimal("1999"), "JPY")}
