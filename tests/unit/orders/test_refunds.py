"""Refunds and the cancel of a paid order on the memory adapters: partial refunds, keys, the
approval limit's four eyes, the gateway's outages, and races that must move money once."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from flashsale.kernel.errors import IdempotencyKeyReused, InvalidInput, NotFound
from flashsale.kernel.money import Money
from flashsale.orders.adapters.sandbox_payments import CARD_SUCCEEDS, SandboxPaymentGateway
from flashsale.orders.domain.order import Order, OrderStatus
from flashsale.orders.domain.refunds import ApprovalLimits, RefundStatus
from flashsale.orders.errors import (
    OrderNotCancellable,
    OrderNotPaid,
    PaymentGatewayUnavailable,
    RefundExceedsPayment,
    RefundNeedsAnotherApprover,
    RefundNotAwaitingApproval,
)
from flashsale.orders.service.refunds import Refunds
from tests.unit.conftest import OPENS, World

REASON = "the strap broke"


async def paid(world: World, quantity: int = 1) -> Order:
    buyer = await world.customer()
    world.at(OPENS)
    order = (await world.shop.purchasing.purchase(buyer, world.sale.id, quantity)).order
    return await world.shop.orders.pay(buyer, order.id, CARD_SUCCEEDS)


def charge_of(world: World) -> Decimal:
    (charge,) = world.gateway.charges()
    return charge.refunded_amount


async def test_partial_refunds_add_up_to_the_payment_and_no_more(world: World) -> None:
    order = await paid(world, 2)  # 1998.00 INR
    refunds = world.shop.refunds
    first, made = await refunds.request(order.id, "1000.00", REASON, "admin", "k1")
    assert made and first.status is RefundStatus.SUCCEEDED and first.gateway_reference
    second, _ = await refunds.request(order.id, "998.00", REASON, "admin", "k2")
    assert second.status is RefundStatus.SUCCEEDED
    with pytest.raises(RefundExceedsPayment):
        await refunds.request(order.id, "0.01", REASON, "admin", "k3")
    assert charge_of(world) == Decimal("1998.00")
    assert (await world.store.order(order.id)).status is OrderStatus.PAID  # type: ignore[union-attr]
    await world.assert_clean()


async def test_a_retried_key_answers_with_the_first_refund_and_another_request_is_422(
    world: World,
) -> None:
    order = await paid(world)
    refunds = world.shop.refunds
    first, _ = await refunds.request(order.id, "100.00", REASON, "admin", "k1")
    again, made = await refunds.request(order.id, "100.00", REASON, "admin", "k1")
    assert (again, made) == (first, False)
    with pytest.raises(IdempotencyKeyReused):
        await refunds.request(order.id, "200.00", REASON, "admin", "k1")
    assert charge_of(world) == Decimal("100.00")


@pytest.mark.parametrize("amount", ["0", "0.00", "-1", "1.001", "1e2", "ten", 1.5])
async def test_bad_amounts_are_invalid_input_and_nothing_is_stored(
    world: World, amount: object
) -> None:
    order = await paid(world)
    with pytest.raises(InvalidInput):
        await world.shop.refunds.request(order.id, amount, REASON, "admin", "k1")
    assert await world.shop.refunds.of_order(order.id) == []


async def test_unpaid_and_unknown_orders_are_refused(world: World) -> None:
    buyer = await world.customer()
    world.at(OPENS)
    order = (await world.shop.purchasing.purchase(buyer, world.sale.id, 1)).order
    with pytest.raises(OrderNotPaid):
        await world.shop.refunds.request(order.id, "1.00", REASON, "admin", "k1")
    with pytest.raises(NotFound):
        await world.shop.refunds.request("ord_nope", "1.00", REASON, "admin", "k1")
    with pytest.raises(InvalidInput, match="reason"):
        await world.shop.refunds.request(order.id, "1.00", "  ", "admin", "k1")


def with_limit(world: World, limits: str) -> Refunds:
    shop = world.shop
    return Refunds(
        world.store,
        world.store,
        shop.gate,
        world.clock,
        world.gateway,
        ApprovalLimits.parse(limits),
    )


async def test_above_the_limit_a_second_person_approves(world: World) -> None:
    order = await paid(world, 2)
    refunds = with_limit(world, "INR:1000,CNY:2000")
    small, _ = await refunds.request(order.id, "1000.00", REASON, "staff:stf_a", "k1")
    assert small.status is RefundStatus.SUCCEEDED
    big, _ = await refunds.request(order.id, "998.00", REASON, "staff:stf_a", "k2")
    assert big.status is RefundStatus.SUCCEEDED  # at the limit or under: alone
    order2 = await paid(world, 2)
    waiting, _ = await refunds.request(order2.id, "1000.01", REASON, "staff:stf_a", "k3")
    assert waiting.status is RefundStatus.AWAITING_APPROVAL
    with pytest.raises(RefundNeedsAnotherApprover):
        await refunds.approve(waiting.id, "staff:stf_a")
    approved = await refunds.approve(waiting.id, "staff:stf_b")
    assert (approved.status, approved.approved_by) == (RefundStatus.SUCCEEDED, "staff:stf_b")
    with pytest.raises(RefundNotAwaitingApproval):
        await refunds.approve(waiting.id, "staff:stf_c")


class FlakyGateway:
    """The world's gateway, with refunds that time out while ``down``."""

    def __init__(self, inner: SandboxPaymentGateway) -> None:
        self.inner = inner
        self.down = True

    async def charge(self, *, idempotency_key: str, amount: Money, card: str) -> str:
        return await self.inner.charge(idempotency_key=idempotency_key, amount=amount, card=card)

    async def refund(
        self, reference: str, *, amount: Money | None = None, idempotency_key: str | None = None
    ) -> str:
        if self.down:
            raise PaymentGatewayUnavailable("the gateway timed out")
        return await self.inner.refund(reference, amount=amount, idempotency_key=idempotency_key)


async def test_a_gateway_outage_leaves_the_refund_pending_and_the_retry_finishes_it(
    world: World,
) -> None:
    order = await paid(world)
    flaky = FlakyGateway(world.gateway)
    refunds = Refunds(
        world.store, world.store, world.shop.gate, world.clock, flaky, ApprovalLimits({})
    )
    with pytest.raises(PaymentGatewayUnavailable):
        await refunds.request(order.id, "999.00", REASON, "admin", "k1")
    (pending,) = await refunds.of_order(order.id)
    assert pending.status is RefundStatus.PENDING
    with pytest.raises(RefundExceedsPayment):  # the pending one holds the amount
        await refunds.request(order.id, "1.00", REASON, "admin", "k2")
    flaky.down = False
    done, made = await refunds.request(order.id, "999.00", REASON, "admin", "k1")
    assert (done.id, done.status, made) == (pending.id, RefundStatus.SUCCEEDED, False)
    again, _ = await refunds.request(order.id, "999.00", REASON, "admin", "k1")
    assert again.status is RefundStatus.SUCCEEDED
    (charge,) = world.gateway.charges()
    assert charge.refunds == (Money(Decimal("999.00"), "INR"),)  # once


async def test_racing_cancels_payment_retries_and_expiry_move_a_paid_order_once(
    world: World,
) -> None:
    order = await paid(world)
    customer = order.customer_id
    left = await world.stock_left()
    outcomes = await asyncio.gather(
        world.shop.orders.cancel(customer, order.id),
        world.shop.orders.cancel(customer, order.id),
        world.shop.orders.pay(customer, order.id, CARD_SUCCEEDS),
        world.shop.expiry.sweep(),
        world.shop.orders.cancel(customer, order.id),
        return_exceptions=True,
    )
    cancels = [outcomes[i] for i in (0, 1, 4)]
    assert sum(isinstance(o, Order) and o.status is OrderStatus.CANCELLED for o in cancels) == 1
    assert all(isinstance(o, Order | OrderNotCancellable | OrderNotPaid) for o in cancels)
    assert (await world.store.order(order.id)).status is OrderStatus.CANCELLED  # type: ignore[union-attr]
    assert await world.stock_left() == (left or 0) + 1
    assert charge_of(world) == Decimal("999.00")
    assert len(await world.shop.refunds.of_order(order.id)) == 1
    await world.assert_clean()
