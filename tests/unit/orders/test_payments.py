"""Paying and cancelling orders with the test gateway's cards: one charge, never after expiry."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence

import pytest

from flashsale.kernel.errors import InvalidInput, NotFound
from flashsale.kernel.money import Money
from flashsale.orders.adapters.sandbox_payments import (
    CARD_DECLINED,
    CARD_INSUFFICIENT_FUNDS,
    CARD_SUCCEEDS,
    CARD_TIMES_OUT,
    SandboxPaymentGateway,
)
from flashsale.orders.domain.order import Order, OrderStatus, Payment
from flashsale.orders.errors import (
    InsufficientFunds,
    OrderExpired,
    OrderNotCancellable,
    OrderNotPayable,
    PaymentDeclined,
    PaymentGatewayUnavailable,
)
from flashsale.orders.service.orders import Orders
from tests.unit.conftest import ONE_MICROSECOND, OPENS, PAYMENT_WINDOW, World


async def _reserve(world: World, quantity: int = 1) -> Order:
    buyer = await world.customer()
    world.at(OPENS)
    return (await world.shop.purchasing.purchase(buyer, world.sale.id, quantity)).order


def _live_charges(gateway: SandboxPaymentGateway) -> list[str]:
    return [c.reference for c in gateway.charges() if not c.refunded]


class _GatewayWithSideEffect(SandboxPaymentGateway):
    """Runs something (a sweep, a cancel) while the card is being charged."""

    def __init__(self, during_charge: Callable[[], Awaitable[object]]) -> None:
        super().__init__()
        self._during_charge = during_charge

    async def charge(self, *, idempotency_key: str, amount: Money, card: str) -> str:
        reference = await super().charge(idempotency_key=idempotency_key, amount=amount, card=card)
        await self._during_charge()
        return reference


async def test_the_success_card_pays_and_records_one_matching_payment(world: World) -> None:
    order = await _reserve(world, 2)
    world.clock.advance(60)
    paid = await world.shop.orders.pay(order.customer_id, order.id, "4242 4242 4242 4242")
    assert (paid.status, paid.paid_at) == (OrderStatus.PAID, OPENS.replace(minute=1))
    payment = await world.store.payment_of(order.id)
    assert payment is not None
    assert payment.amount == order.amount
    (charge,) = world.gateway.charges()
    assert (charge.reference, charge.amount, charge.refunded) == (
        payment.gateway_reference,
        order.amount,
        False,
    )
    await world.assert_clean()


@pytest.mark.parametrize(
    ("card", "error"),
    [
        (CARD_DECLINED, PaymentDeclined),
        (CARD_INSUFFICIENT_FUNDS, InsufficientFunds),
        (CARD_TIMES_OUT, PaymentGatewayUnavailable),
        ("4111111111111111", PaymentDeclined),  # well formed, but not a test card
    ],
)
async def test_failing_cards_leave_the_order_reserved_and_uncharged(
    world: World, card: str, error: type[Exception]
) -> None:
    order = await _reserve(world)
    with pytest.raises(error):
        await world.shop.orders.pay(order.customer_id, order.id, card)
    stored = await world.store.order(order.id)
    assert stored is not None
    assert stored.status is OrderStatus.RESERVED
    assert world.gateway.charges() == []
    assert await world.store.payment_of(order.id) is None
    # the customer may try again with a good card inside the window
    paid = await world.shop.orders.pay(order.customer_id, order.id, CARD_SUCCEEDS)
    assert paid.status is OrderStatus.PAID


@pytest.mark.parametrize("card", ["4242424242424241", "1234", "4242-4242-4242-424X", ""])
async def test_a_card_number_that_is_not_one_is_invalid(world: World, card: str) -> None:
    order = await _reserve(world)
    with pytest.raises(InvalidInput, match="Luhn"):
        await world.shop.orders.pay(order.customer_id, order.id, card)


async def test_paying_twice_charges_once(world: World) -> None:
    order = await _reserve(world)
    first = await world.shop.orders.pay(order.customer_id, order.id, CARD_SUCCEEDS)
    second = await world.shop.orders.pay(order.customer_id, order.id, CARD_SUCCEEDS)
    assert first == second
    assert len(world.gateway.charges()) == 1


async def test_concurrent_payments_of_one_order_charge_once(world: World) -> None:
    order = await _reserve(world)
    slow = SandboxPaymentGateway(latency_seconds=0.01)
    orders = Orders(world.store, world.shop.gate, world.clock, slow)
    results = await asyncio.gather(
        *(orders.pay(order.customer_id, order.id, CARD_SUCCEEDS) for _ in range(5))
    )
    assert {r.status for r in results} == {OrderStatus.PAID}
    assert len(_live_charges(slow)) == 1
    payment = await world.store.payment_of(order.id)
    assert payment is not None
    assert payment.gateway_reference == _live_charges(slow)[0]
    await world.assert_clean()


async def test_payments_arriving_together_are_recorded_in_one_transaction(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    reserved = [await _reserve(world) for _ in range(world.sale.stock_total)]
    batches: list[int] = []
    record = world.store.mark_paid

    async def counted(payments: Sequence[Payment]) -> set[str]:
        batches.append(len(payments))
        return await record(payments)

    monkeypatch.setattr(world.store, "mark_paid", counted)
    paid = await asyncio.gather(
        *(world.shop.orders.pay(o.customer_id, o.id, CARD_SUCCEEDS) for o in reserved)
    )
    assert batches == [len(reserved)] and len(reserved) > 1
    for before, after in zip(reserved, paid, strict=True):
        assert after.status is OrderStatus.PAID
        assert after == await world.store.order(before.id)
        payment = await world.store.payment_of(before.id)
        assert payment is not None and payment.created_at == after.paid_at
    assert len(_live_charges(world.gateway)) == len(reserved)
    await world.assert_clean()


async def test_paying_at_the_expiry_instant_is_refused_and_charges_nothing(world: World) -> None:
    order = await _reserve(world)
    world.at(order.expires_at)
    with pytest.raises(OrderExpired):
        await world.shop.orders.pay(order.customer_id, order.id, CARD_SUCCEEDS)
    assert world.gateway.charges() == []


async def test_paying_one_microsecond_before_expiry_succeeds(world: World) -> None:
    order = await _reserve(world)
    world.at(order.expires_at - ONE_MICROSECOND)
    paid = await world.shop.orders.pay(order.customer_id, order.id, CARD_SUCCEEDS)
    assert paid.status is OrderStatus.PAID


async def test_an_expired_order_is_refused_after_the_sweep_too(world: World) -> None:
    order = await _reserve(world)
    world.at(OPENS + PAYMENT_WINDOW + ONE_MICROSECOND)
    assert await world.shop.expiry.sweep() == 1
    with pytest.raises(OrderExpired):
        await world.shop.orders.pay(order.customer_id, order.id, CARD_SUCCEEDS)


async def test_a_window_that_closes_while_charging_refunds_the_charge(world: World) -> None:
    order = await _reserve(world)

    async def window_closes() -> None:
        world.at(order.expires_at)

    gateway = _GatewayWithSideEffect(window_closes)
    orders = Orders(world.store, world.shop.gate, world.clock, gateway)
    with pytest.raises(OrderExpired, match="refunded"):
        await orders.pay(order.customer_id, order.id, CARD_SUCCEEDS)
    assert [c.refunded for c in gateway.charges()] == [True]
    assert await world.store.payment_of(order.id) is None
    await world.assert_clean()


async def test_another_customers_order_is_not_found(world: World) -> None:
    order = await _reserve(world)
    other = await world.customer()
    with pytest.raises(NotFound):
        await world.shop.orders.pay(other, order.id, CARD_SUCCEEDS)
    with pytest.raises(NotFound):
        await world.shop.orders.cancel(other, order.id)
    with pytest.raises(NotFound):
        await world.shop.orders.get(other, order.id)
    assert world.gateway.charges() == []


async def test_cancel_returns_the_units_and_frees_the_limit(world: World) -> None:
    order = await _reserve(world, 2)
    assert await world.stock_left() == 8
    cancelled = await world.shop.orders.cancel(order.customer_id, order.id)
    assert cancelled.status is OrderStatus.CANCELLED
    assert cancelled.closed_at == OPENS
    assert await world.stock_left() == 10
    again = await world.shop.purchasing.purchase(order.customer_id, world.sale.id, 2)
    assert again.order.status is OrderStatus.RESERVED
    await world.assert_clean()


async def test_a_paid_order_cancels_refunded_whole_and_its_units_go_back(world: World) -> None:
    order = await _reserve(world)
    await world.shop.orders.pay(order.customer_id, order.id, CARD_SUCCEEDS)
    cancelled = await world.shop.orders.cancel(order.customer_id, order.id)
    assert cancelled.status is OrderStatus.CANCELLED
    assert await world.stock_left() == 10
    assert _live_charges(world.gateway) == []
    with pytest.raises(OrderNotCancellable):
        await world.shop.orders.cancel(order.customer_id, order.id)
    await world.assert_clean()


async def test_cancelling_twice_returns_the_units_once(world: World) -> None:
    order = await _reserve(world)
    await world.shop.orders.cancel(order.customer_id, order.id)
    with pytest.raises(OrderNotCancellable):
        await world.shop.orders.cancel(order.customer_id, order.id)
    assert await world.stock_left() == 10
    await world.assert_clean()


async def test_concurrent_cancels_return_the_units_once(world: World) -> None:
    order = await _reserve(world, 2)
    outcomes = await asyncio.gather(
        *(world.shop.orders.cancel(order.customer_id, order.id) for _ in range(3)),
        return_exceptions=True,
    )
    assert sum(1 for o in outcomes if isinstance(o, Order)) == 1
    assert all(isinstance(o, OrderNotCancellable | Order) for o in outcomes)
    assert await world.stock_left() == 10


async def test_a_cancelled_order_is_not_payable(world: World) -> None:
    order = await _reserve(world)
    await world.shop.orders.cancel(order.customer_id, order.id)
    with pytest.raises(OrderNotPayable):
        await world.shop.orders.pay(order.customer_id, order.id, CARD_SUCCEEDS)
    assert world.gateway.charges() == []


async def test_orders_of_a_customer_newest_first(world: World) -> None:
    order = await _reserve(world)
    world.clock.advance(1)
    later = await world.shop.purchasing.purchase(order.customer_id, world.sale.id, 1)
    mine = await world.shop.orders.of_customer(order.customer_id)
    assert [o.id for o in mine] == [later.order.id, order.id]


async def test_a_sweep_during_the_charge_wins_and_the_charge_is_refunded(world: World) -> None:
    order = await _reserve(world)

    async def expire_meanwhile() -> None:
        world.at(order.expires_at)
        assert await world.shop.expiry.sweep() == 1

    gateway = _GatewayWithSideEffect(expire_meanwhile)
    orders = Orders(world.store, world.shop.gate, world.clock, gateway)
    with pytest.raises(OrderExpired, match="refunded"):
        await orders.pay(order.customer_id, order.id, CARD_SUCCEEDS)
    assert [c.refunded for c in gateway.charges()] == [True]
    assert await world.stock_left() == 10
    await world.assert_clean()


async def test_a_cancel_during_the_charge_wins_and_the_charge_is_refunded(world: World) -> None:
    order = await _reserve(world)

    async def cancel_meanwhile() -> None:
        await world.shop.orders.cancel(order.customer_id, order.id)

    gateway = _GatewayWithSideEffect(cancel_meanwhile)
    orders = Orders(world.store, world.shop.gate, world.clock, gateway)
    with pytest.raises(OrderNotPayable, match="refunded") as caught:
        await orders.pay(order.customer_id, order.id, CARD_SUCCEEDS)
    assert not isinstance(caught.value, OrderExpired)
    assert [c.refunded for c in gateway.charges()] == [True]
    assert await world.stock_left() == 10
    await world.assert_clean()
