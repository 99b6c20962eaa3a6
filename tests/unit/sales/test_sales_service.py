"""Creating sales, viewing them, and the registration window."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest

from flashsale.kernel.errors import InvalidInput, NotFound
from flashsale.kernel.money import Money
from flashsale.sales.domain.sale import SaleState
from flashsale.sales.errors import (
    LimitReached,
    RegistrationClosed,
    RegistrationNotOpenYet,
    SaleNotEditable,
    SaleNotOpenYet,
)
from flashsale.sales.service.sale_directory import (
    EDIT_FREEZE,
    FINAL_BEFORE_OPENING,
    REFRESH_SECONDS,
    SaleDirectory,
)
from flashsale.sales.service.sales import SaleEdit
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
    make_order,
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


# -- editing a sale before it opens ---------------------------------------------------------


async def test_an_edit_before_the_opening_changes_the_terms_and_the_gate(world: World) -> None:
    buyer = await world.customer()
    new_opening = OPENS + timedelta(hours=1)
    edited = await world.shop.sales.edit(
        world.sale.id,
        SaleEdit(stock=3, per_customer_limit=1, price="899", opens_at=new_opening),
    )
    assert (edited.stock_total, edited.per_customer_limit) == (3, 1)
    assert edited.price == Money(Decimal("899"), "INR")
    assert edited.opens_at == new_opening and edited.sku == world.sale.sku
    assert await world.store.sale(world.sale.id) == edited
    assert (await world.shop.sales.view(world.sale.id)).sale == edited
    assert await world.stock_left() == 3
    world.at(OPENS)  # the old opening: the gate knows the new one
    with pytest.raises(SaleNotOpenYet):
        await world.shop.purchasing.purchase(buyer, world.sale.id, 1)
    world.at(new_opening)
    with pytest.raises(LimitReached):  # the new limit, and the registration survived the reload
        await world.shop.purchasing.purchase(buyer, world.sale.id, 2)
    result = await world.shop.purchasing.purchase(buyer, world.sale.id, 1)
    assert result.order.amount == Money(Decimal("899"), "INR")
    assert await world.stock_left() == 2


async def test_an_edit_is_refused_from_a_minute_before_the_opening(world: World) -> None:
    world.at(OPENS - EDIT_FREEZE - ONE_MICROSECOND)
    await world.shop.sales.edit(world.sale.id, SaleEdit(stock=5))
    world.at(OPENS - EDIT_FREEZE)
    with pytest.raises(SaleNotEditable, match="terms are fixed"):
        await world.shop.sales.edit(world.sale.id, SaleEdit(stock=6))
    world.at(OPENS)
    with pytest.raises(SaleNotEditable):
        await world.shop.sales.edit(world.sale.id, SaleEdit(opens_at=CLOSES - timedelta(hours=1)))
    assert (await world.store.sale(world.sale.id)) == replace(world.sale, stock_total=5)


async def test_an_edit_cannot_bring_the_opening_within_the_freeze(world: World) -> None:
    with pytest.raises(SaleNotEditable, match="at least 60 seconds away"):
        await world.shop.sales.edit(
            world.sale.id,
            SaleEdit(
                registration_opens_at=T0 - timedelta(hours=1),
                registration_closes_at=T0,
                opens_at=T0 + timedelta(seconds=30),
            ),
        )
    assert await world.store.sale(world.sale.id) == world.sale


@pytest.mark.parametrize(
    "edit",
    [
        SaleEdit(stock=0),
        SaleEdit(per_customer_limit=0),
        SaleEdit(price="-1"),
        SaleEdit(payment_window_seconds=0),
        SaleEdit(closes_at=OPENS),
        SaleEdit(registration_closes_at=OPENS + timedelta(minutes=1)),
    ],
)
async def test_an_edit_keeps_the_rules_of_a_new_sale(world: World, edit: SaleEdit) -> None:
    with pytest.raises(InvalidInput):
        await world.shop.sales.edit(world.sale.id, edit)
    assert await world.store.sale(world.sale.id) == world.sale


async def test_stock_never_goes_below_the_units_held(world: World) -> None:
    # Not reachable through the shop before the opening; an order stored directly stands in
    # for one a record could hold (say, restored from a backup).
    await world.store.insert_orders(
        [make_order(sale_id=world.sale.id, quantity=2, amount=BAND_PRICE.times(2))]
    )
    with pytest.raises(SaleNotEditable, match="2 units are sold or reserved"):
        await world.shop.sales.edit(world.sale.id, SaleEdit(stock=1))
    await world.shop.sales.edit(world.sale.id, SaleEdit(stock=2))


async def test_an_unknown_sale_cannot_be_edited(world: World) -> None:
    with pytest.raises(NotFound):
        await world.shop.sales.edit("sale_nope", SaleEdit(stock=1))


async def test_another_process_sees_the_new_terms_before_the_opening(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two directories over one store and gate: two API processes sharing Redis."""
    other = SaleDirectory(world.store, world.shop.gate, world.clock)
    assert (await other.get(world.sale.id)).stock_total == 10
    await world.shop.sales.edit(world.sale.id, SaleEdit(stock=4))
    assert (await other.get(world.sale.id)).stock_total == 10  # a fresh copy is kept a while
    later = time.monotonic() + REFRESH_SECONDS
    monkeypatch.setattr(time, "monotonic", lambda: later)
    assert other.ready(world.sale.id) is None
    assert (await other.get(world.sale.id)).stock_total == 4
    assert await world.stock_left() == 4  # the shared gate was reloaded by the edit


async def test_a_copy_read_just_before_the_opening_is_kept_for_good(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = SaleDirectory(world.store, world.shop.gate, world.clock)
    world.at(OPENS - FINAL_BEFORE_OPENING)
    await other.get(world.sale.id)
    much_later = time.monotonic() + 3600
    monkeypatch.setattr(time, "monotonic", lambda: much_later)
    assert other.ready(world.sale.id) == world.sale
