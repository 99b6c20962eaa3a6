"""Creating sales, viewing them, and the registration window."""

from __future__ import annotations

from decimal import Decimal

import pytest

from flashsale.domain.errors import (
    InvalidInput,
    NotFound,
    RegistrationClosed,
    RegistrationNotOpenYet,
)
from flashsale.domain.money import Money
from flashsale.domain.sale import SaleState
from tests.unit.conftest import (
    BAND_PRICE,
    CLOSES,
    ONE_MICROSECOND,
    OPENS,
    PHONE_SKU,
    REGISTRATION_CLOSES,
    REGISTRATION_OPENS,
    T0,
    World,
    quick_customer,
    sale_spec,
)


async def test_a_sale_takes_the_list_price_of_its_market(world: World) -> None:
    assert world.sale.price == BAND_PRICE
    assert world.sale.market_code == "IN"


async def test_an_explicit_sale_price_wins_in_the_markets_currency(world: World) -> None:
    sale = await world.shop.sales.create(sale_spec(price="899.00", market="in"))
    assert sale.price == Money(Decimal("899.00"), "INR")


async def test_an_unknown_sku_is_refused(world: World) -> None:
    with pytest.raises(InvalidInput, match="no SKU"):
        await world.shop.sales.create(sale_spec(sku="NOPE"))


async def test_an_unknown_market_is_refused(world: World) -> None:
    with pytest.raises(InvalidInput, match="no market"):
        await world.shop.sales.create(sale_spec(market="XX"))


async def test_a_sku_without_a_price_in_the_market_needs_one(world: World) -> None:
    with pytest.raises(InvalidInput, match="no price in IN"):
        await world.shop.sales.create(sale_spec(sku=PHONE_SKU))
    sale = await world.shop.sales.create(sale_spec(sku=PHONE_SKU, price="9999"))
    assert sale.price == Money(Decimal("9999"), "INR")


@pytest.mark.parametrize("price", ["-1", "abc", "1e20"])
async def test_a_bad_sale_price_is_refused(world: World, price: str) -> None:
    with pytest.raises(InvalidInput):
        await world.shop.sales.create(sale_spec(price=price))


@pytest.mark.parametrize("seconds", [0, -1, 7 * 24 * 3600 + 1, float("nan")])
async def test_the_payment_window_must_be_positive_and_at_most_a_week(
    world: World, seconds: float
) -> None:
    with pytest.raises(InvalidInput, match="payment_window"):
        await world.shop.sales.create(sale_spec(payment_window_seconds=seconds))


@pytest.mark.parametrize(
    "overrides",
    [
        {"stock": 0},
        {"per_customer_limit": 0},
        {"closes_at": OPENS},
        {"opens_at": OPENS.replace(tzinfo=None)},
    ],
)
async def test_sale_terms_are_validated(world: World, overrides: dict[str, object]) -> None:
    with pytest.raises(InvalidInput):
        await world.shop.sales.create(sale_spec(**overrides))


async def test_nothing_is_stored_when_a_sale_is_refused(world: World) -> None:
    with pytest.raises(InvalidInput):
        await world.shop.sales.create(sale_spec(stock=0))
    assert [s.id for s in await world.shop.sales.all()] == [world.sale.id]


async def test_view_shows_state_and_stock_by_the_server_clock(world: World) -> None:
    assert (await world.shop.sales.view(world.sale.id)).state is SaleState.SCHEDULED
    world.at(OPENS)
    view = await world.shop.sales.view(world.sale.id)
    assert (view.state, view.stock_left, view.server_time) == (SaleState.OPEN, 10, OPENS)
    world.at(CLOSES)
    assert (await world.shop.sales.view(world.sale.id)).state is SaleState.CLOSED


async def test_an_unknown_sale_is_not_found(world: World) -> None:
    with pytest.raises(NotFound):
        await world.shop.sales.view("sale_nope")
    with pytest.raises(NotFound):
        await world.shop.sales.register("sale_nope", "cus_1")


async def test_registration_before_it_opens_is_refused(world: World) -> None:
    await world.store.add_customers([quick_customer(1)])
    world.at(REGISTRATION_OPENS - ONE_MICROSECOND)
    with pytest.raises(RegistrationNotOpenYet):
        await world.shop.sales.register(world.sale.id, "cus_1")
    assert not await world.store.is_registered(world.sale.id, "cus_1")


async def test_registration_at_its_closing_instant_is_refused(world: World) -> None:
    await world.store.add_customers([quick_customer(1)])
    world.at(REGISTRATION_CLOSES)
    with pytest.raises(RegistrationClosed):
        await world.shop.sales.register(world.sale.id, "cus_1")


async def test_registering_twice_is_harmless(world: World) -> None:
    await world.store.add_customers([quick_customer(1)])
    world.at(REGISTRATION_CLOSES - ONE_MICROSECOND)
    assert await world.shop.sales.register(world.sale.id, "cus_1") is True
    assert await world.shop.sales.register(world.sale.id, "cus_1") is False
    world.at(OPENS)  # even once registration has closed
    assert await world.shop.sales.register(world.sale.id, "cus_1") is False
    assert await world.store.registered_customers(world.sale.id) == ["cus_1"]


async def test_an_unknown_customer_cannot_register(world: World) -> None:
    world.at(REGISTRATION_OPENS)
    with pytest.raises(NotFound):
        await world.shop.sales.register(world.sale.id, "cus_ghost")


async def test_sales_are_listed(world: World) -> None:
    world.at(T0)
    second = await world.shop.sales.create(sale_spec())
    assert {s.id for s in await world.shop.sales.all()} == {world.sale.id, second.id}
