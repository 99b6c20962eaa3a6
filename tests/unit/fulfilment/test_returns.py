"""Returns on the memory record: the window, what may come back, the receipt's ledger moves,
the partial refund, and receiving twice."""

from __future__ import annotations

from decimal import Decimal

import pytest

from flashsale.desk.service.fulfilment_returns import FulfilmentReturns
from flashsale.fulfilment.domain.returns import Return, ReturnStatus
from flashsale.fulfilment.domain.shipments import ShipmentRequest
from flashsale.fulfilment.errors import InvalidTransition
from flashsale.fulfilment.ops_errors import NotDelivered, ReturnWindowClosed
from flashsale.fulfilment.service.returns import refund_of
from flashsale.inventory.domain.stock import MoveKind
from flashsale.kernel.errors import InvalidInput, NotFound
from flashsale.kernel.money import Money
from flashsale.orders.domain.events import OrderEventKind
from flashsale.orders.domain.order import Order
from tests.unit.fulfilment.conftest import Warehouse

DAY = 86_400


async def delivered_order(warehouse: Warehouse, quantity: int = 2) -> Order:
    await warehouse.receive("DC-BLR", 10)
    order = await warehouse.paid_order("IN-KA", quantity)
    await warehouse.allocate()
    ops = warehouse.shop.fulfilment_ops
    wave = await ops.waves.cut("DC-BLR", None, "staff:1")
    requests = [(1, ShipmentRequest(fo.id, "sandbox")) for fo in wave.orders]
    await ops.shipping.ship_wave(wave.id, requests, "staff:1")
    warehouse.world.clock.advance(4 * DAY)
    assert await ops.shipping.deliver_due() == 1
    return order


def test_the_refund_is_the_returned_units_share() -> None:
    order = Order("o", "s", "c", "SKU", 3, Money(Decimal("100.00"), "USD"), None, None, None)  # type: ignore[arg-type]
    assert refund_of(order, 1) == Decimal("33.33")
    assert refund_of(order, 3) == Decimal("100.00")


async def test_a_return_is_received_resellable_and_refunded_once(warehouse: Warehouse) -> None:
    order = await delivered_order(warehouse)
    returns = warehouse.shop.fulfilment_ops.returns
    asked = await returns.request(order.customer_id, order.id, 1, "too small")
    assert asked.status is ReturnStatus.REQUESTED
    with pytest.raises(InvalidTransition, match="is requested"):
        await returns.receive(asked.id, "DC-BLR", True, "staff:1")
    await returns.approve(asked.id, "staff:1")
    (before,) = await warehouse.f.stock.levels("DC-BLR")
    done = await returns.receive(asked.id, "dc-blr", True, "staff:1")
    assert (done.status, done.location, done.resellable) == (ReturnStatus.REFUNDED, "DC-BLR", True)
    again = await returns.receive(asked.id, "DC-BLR", True, "staff:1")
    assert again == done  # receiving twice changes nothing
    (after,) = await warehouse.f.stock.levels("DC-BLR")
    assert after.on_hand == before.on_hand + 1
    (move, *_) = await warehouse.f.stock.moves("DC-BLR")
    assert (move.kind, move.on_hand_change, move.reference) == (
        MoveKind.RETURN_RECEIPT,
        1,
        f"return {asked.id}",
    )
    (refund,) = await warehouse.shop.refunds.of_order(order.id)
    assert refund.id == done.refund_id
    assert refund.amount == Money(order.amount.amount / 2, order.amount.currency)
    kinds = [e.kind for e in await warehouse.shop.order_events.history(order.id)]
    for kind in (OrderEventKind.RETURN_REQUESTED, OrderEventKind.RETURN_APPROVED,
                 OrderEventKind.RETURN_RECEIVED, OrderEventKind.RETURN_REFUNDED):  # fmt: skip
        assert kinds.count(kind) == 1
    # One unit is left to return; asking for two is too many.
    with pytest.raises(InvalidInput, match="quantity: 1 to 1"):
        await returns.request(order.customer_id, order.id, 2, "and the other")
    await warehouse.assert_audit_clean()


async def test_a_damaged_return_is_written_off(warehouse: Warehouse) -> None:
    order = await delivered_order(warehouse)
    returns = warehouse.shop.fulfilment_ops.returns
    asked = await returns.request(order.customer_id, order.id, 2, "broken")
    await returns.approve(asked.id, "staff:1")
    (before,) = await warehouse.f.stock.levels("DC-BLR")
    await returns.receive(asked.id, "DC-BLR", False, "staff:1")
    (after,) = await warehouse.f.stock.levels("DC-BLR")
    assert after.on_hand == before.on_hand
    kinds = [m.kind for m in await warehouse.f.stock.moves("DC-BLR", limit=2)]
    assert kinds == [MoveKind.WRITE_OFF, MoveKind.RETURN_RECEIPT]
    await warehouse.assert_audit_clean()


async def test_the_window_the_delivery_and_the_owner_are_checked(warehouse: Warehouse) -> None:
    returns = warehouse.shop.fulfilment_ops.returns
    order = await delivered_order(warehouse)
    undelivered = await warehouse.paid_order("IN-KA")
    await warehouse.allocate()
    with pytest.raises(NotDelivered):
        await returns.request(undelivered.customer_id, undelivered.id, 1, "changed my mind")
    with pytest.raises(NotFound):
        await returns.request("cus_other", order.id, 1, "not mine")
    warehouse.world.clock.advance(12 * DAY)  # delivered about 4 days in; the window: 7 days
    with pytest.raises(ReturnWindowClosed):
        await returns.request(order.customer_id, order.id, 1, "too late")


async def test_the_customer_may_cancel_before_receipt_and_declined_is_final(
    warehouse: Warehouse,
) -> None:
    order = await delivered_order(warehouse)
    returns = warehouse.shop.fulfilment_ops.returns
    first = await returns.request(order.customer_id, order.id, 1, "a")
    cancelled = await returns.cancel(order.customer_id, first.id)
    assert cancelled.status is ReturnStatus.CANCELLED
    second = await returns.request(order.customer_id, order.id, 2, "b")  # cancelled gave 1 back
    declined = await returns.decline(second.id, "staff:1")
    with pytest.raises(InvalidTransition, match="is declined"):
        await returns.approve(declined.id, "staff:1")
    listed = await returns.listed(ReturnStatus.DECLINED)
    assert [x.id for x in listed] == [second.id]
    assert isinstance(listed[0], Return)


async def test_the_desk_starts_a_return_of_what_may_still_come_back(warehouse: Warehouse) -> None:
    order = await delivered_order(warehouse)  # two units
    returns = warehouse.shop.fulfilment_ops.returns
    declined = await returns.request(order.customer_id, order.id, 2, "both scratched")
    await returns.decline(declined.id, "staff:1")
    seam = FulfilmentReturns(returns)
    started = await seam.start_return(order.id, order.customer_id, None, "all", "staff:agent_1")
    made = await returns.get(started)
    assert (made.quantity, made.status) == (2, ReturnStatus.REQUESTED)  # the declined gave back
    events = await warehouse.shop.store.events_of_order(order.id)
    assert [e.actor for e in events if e.kind is OrderEventKind.RETURN_REQUESTED] == [
        f"customer:{order.customer_id}",
        "staff:agent_1",
    ]
    with pytest.raises(InvalidInput, match="quantity: 1 to 0"):
        await seam.start_return(order.id, order.customer_id, None, "more", "staff:agent_1")
    with pytest.raises(NotFound):
        await seam.start_return(order.id, "cus_other", 1, "not theirs", "staff:agent_1")
