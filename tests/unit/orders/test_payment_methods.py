"""Paying by the ways a market offers: cards everywhere, UPI in India (Razorpay's test
addresses), cash on delivery where allowed, up to the market's limit, paid when delivered."""

from __future__ import annotations

from decimal import Decimal

import pytest

from flashsale.catalog.market import PaymentMethod, PaymentMethods, payment_methods_of
from flashsale.kernel.errors import InvalidInput
from flashsale.kernel.money import Money
from flashsale.orders.adapters.sandbox_payments import UPI_FAILS, UPI_SUCCEEDS
from flashsale.orders.domain.order import Order, OrderStatus, PaymentStatus
from flashsale.orders.domain.payment_methods import PaymentChoice, normalize_vpa, usable
from flashsale.orders.errors import (
    CashNotDue,
    OrderNotPaid,
    PaymentDeclined,
    PaymentMethodNotAccepted,
)
from flashsale.orders.service.refunds import MANUAL_PAYOUT
from tests.unit.conftest import OPENS, PAYMENT_WINDOW, REGISTRATION_OPENS, World, sale_spec

CARD, UPI, COD = PaymentMethod.CARD, PaymentMethod.UPI, PaymentMethod.COD


async def _reserve(world: World, sale_id: str | None = None) -> Order:
    buyer = await world.customer()
    if sale_id is not None:
        world.at(REGISTRATION_OPENS)
        assert await world.shop.sales.register(sale_id, buyer)
    world.at(OPENS)
    return (await world.shop.purchasing.purchase(buyer, sale_id or world.sale.id, 1)).order


# -- the markets' methods and the choice ---------------------------------------------------


@pytest.mark.parametrize(
    ("country", "methods", "limit"),
    [
        ("IN", (CARD, UPI, COD), Decimal("50000")),
        ("GR", (CARD, COD), Decimal("500")),
        ("US", (CARD,), None),
        ("ES", (CARD,), None),
    ],
)
def test_cards_everywhere_upi_in_india_cash_where_allowed(
    country: str, methods: tuple[PaymentMethod, ...], limit: Decimal | None
) -> None:
    assert payment_methods_of(country) == PaymentMethods(methods, limit)


def test_cash_on_delivery_is_usable_up_to_the_limit_only() -> None:
    india = payment_methods_of("IN")
    assert usable(india, Money(Decimal("50000"), "INR")) == (CARD, UPI, COD)
    assert usable(india, Money(Decimal("50000.01"), "INR")) == (CARD, UPI)
    with pytest.raises(PaymentMethodNotAccepted, match="up to 50000"):
        PaymentChoice.of("cod").check_accepted(india, Money(Decimal("60000"), "INR"), "IN")
    with pytest.raises(PaymentMethodNotAccepted, match="UPI is not offered in market ES"):
        PaymentChoice.of("upi", vpa=UPI_SUCCEEDS).check_accepted(
            payment_methods_of("ES"), Money(Decimal("10"), "EUR"), "ES"
        )


@pytest.mark.parametrize(
    ("text", "vpa"),
    [
        ("Success@Razorpay", "success@razorpay"),
        (" ravi.k-1_2@okhdfcbank ", "ravi.k-1_2@okhdfcbank"),
    ],
)
def test_a_upi_address_reads_as_the_apps_read_it(text: str, vpa: str) -> None:
    assert normalize_vpa(text) == vpa


@pytest.mark.parametrize("text", ["success", "@razorpay", "a@b", "x y@bank", "name@12bank", "a@@b"])
def test_a_malformed_upi_address_is_refused(text: str) -> None:
    with pytest.raises(InvalidInput, match="vpa"):
        PaymentChoice.of("upi", vpa=text)


@pytest.mark.parametrize(
    ("method", "card", "vpa", "error"),
    [
        ("cheque", None, None, "method"),
        ("card", None, None, "card"),
        ("upi", None, None, "vpa"),
    ],
)
def test_a_choice_lacking_what_its_method_needs_is_refused(
    method: str, card: str | None, vpa: str | None, error: str
) -> None:
    with pytest.raises(InvalidInput, match=error):
        PaymentChoice.of(method, card, vpa)


# -- paying ----------------------------------------------------------------------------------


async def test_upi_success_pays_once_and_the_feed_says_upi(world: World) -> None:
    order = await _reserve(world)
    paid = await world.shop.orders.pay(
        order.customer_id, order.id, PaymentChoice.of("upi", vpa="SUCCESS@razorpay")
    )
    assert paid.status is OrderStatus.PAID
    again = await world.shop.orders.pay(
        order.customer_id, order.id, PaymentChoice.of("upi", vpa=UPI_SUCCEEDS)
    )
    assert again.status is OrderStatus.PAID
    payment = await world.store.payment_of(order.id)
    assert payment is not None
    assert (payment.method, payment.status, payment.taken) == (
        UPI,
        PaymentStatus.SUCCEEDED,
        order.amount,
    )
    (charge,) = world.gateway.charges()
    assert charge.reference == payment.gateway_reference
    (event,) = [
        e for e in await world.store.events_of_order(order.id) if e.kind.value == "order.paid"
    ]
    assert dict(event.data)["method"] == "upi"
    await world.assert_clean()


async def test_upi_failure_is_declined_like_a_card_and_the_order_stays_reserved(
    world: World,
) -> None:
    order = await _reserve(world)
    with pytest.raises(PaymentDeclined) as refused:
        await world.shop.orders.pay(
            order.customer_id, order.id, PaymentChoice.of("upi", vpa=UPI_FAILS)
        )
    assert refused.value.code == "payment-declined"
    assert (await world.store.order(order.id)).status is OrderStatus.RESERVED  # type: ignore[union-attr]
    assert world.gateway.charges() == []


async def test_a_method_the_market_does_not_offer_is_refused_before_any_charge(
    world: World,
) -> None:
    spain = await world.shop.sales.create(sale_spec(market="ES"))
    order = await _reserve(world, spain.id)
    for choice in (PaymentChoice.of("upi", vpa=UPI_SUCCEEDS), PaymentChoice.of("cod")):
        with pytest.raises(PaymentMethodNotAccepted):
            await world.shop.orders.pay(order.customer_id, order.id, choice)
    _, methods, offered = await world.shop.orders.payment_options(order.customer_id, order.id)
    assert (methods.accepted, offered) == ((CARD,), (CARD,))
    assert world.gateway.charges() == []


async def test_cash_on_delivery_confirms_the_order_charges_nothing_and_never_expires(
    world: World,
) -> None:
    order = await _reserve(world)
    paid = await world.shop.orders.pay(order.customer_id, order.id, PaymentChoice.of("cod"))
    assert paid.status is OrderStatus.PAID
    assert world.gateway.charges() == []
    payment = await world.store.payment_of(order.id)
    assert payment is not None and payment.cash_due
    assert payment.taken == Money(Decimal(0), "INR")
    world.clock.advance((PAYMENT_WINDOW * 2).total_seconds())
    assert await world.shop.expiry.sweep() == 0
    assert (await world.store.order(order.id)).status is OrderStatus.PAID  # type: ignore[union-attr]
    (event,) = [
        e for e in await world.store.events_of_order(order.id) if e.kind.value == "order.paid"
    ]
    assert dict(event.data) == {"payment_id": payment.id, "method": "cod"}
    audit = await world.shop.auditing.audit(world.sale.id)
    assert audit.clean and audit.units.paid == 1, audit


async def test_cash_not_collected_is_not_refunded_and_a_cancel_gives_it_up(world: World) -> None:
    order = await _reserve(world)
    await world.shop.orders.pay(order.customer_id, order.id, PaymentChoice.of("cod"))
    with pytest.raises(OrderNotPaid, match="not collected"):
        await world.shop.refunds.request(order.id, "10", "goodwill", "admin", "k1")
    units_before = await world.stock_left()
    cancelled = await world.shop.orders.cancel(order.customer_id, order.id)
    assert cancelled.status is OrderStatus.CANCELLED
    assert await world.shop.refunds.of_order(order.id) == []
    payment = await world.store.payment_of(order.id)
    assert payment is not None and payment.status is PaymentStatus.UNCOLLECTED
    assert await world.stock_left() == (units_before or 0) + 1
    await world.assert_clean()


async def test_a_refused_parcel_cancels_the_order_without_a_refund(world: World) -> None:
    order = await _reserve(world)
    await world.shop.orders.pay(order.customer_id, order.id, PaymentChoice.of("cod"))
    cancelled = await world.shop.cash_on_delivery.refused(order.id, "carrier:sandbox")
    assert cancelled.status is OrderStatus.CANCELLED
    assert await world.shop.refunds.of_order(order.id) == []
    with pytest.raises(CashNotDue):
        await world.shop.cash_on_delivery.refused(order.id, "carrier:sandbox")
    kinds = [e.kind.value for e in await world.store.events_of_order(order.id)]
    assert kinds[-1] == "order.cancelled"
    await world.assert_clean()


async def test_a_card_order_is_not_refused_as_cash(world: World) -> None:
    order = await _reserve(world)
    await world.shop.orders.pay(order.customer_id, order.id, "4242424242424242")
    with pytest.raises(CashNotDue, match="card payment succeeded"):
        await world.shop.cash_on_delivery.refused(order.id, "carrier:sandbox")


async def test_collected_cash_is_refunded_by_hand_as_its_record_says(world: World) -> None:
    order = await _reserve(world)
    await world.shop.orders.pay(order.customer_id, order.id, PaymentChoice.of("cod"))
    assert await world.store.collect_cash([order.id], world.clock.now()) == [order.id]
    refund, made = await world.shop.refunds.request(order.id, "999", "returned", "admin", "k1")
    assert made
    assert (refund.status.value, refund.gateway_reference) == ("succeeded", MANUAL_PAYOUT)
    assert world.gateway.charges() == []  # the gateway never held this money
