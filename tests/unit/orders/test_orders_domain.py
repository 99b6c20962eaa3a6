"""An order's lifecycle rules: when it may be paid, when it has expired, when it may cancel."""

from __future__ import annotations

import pytest

from flashsale.orders.domain.order import OrderStatus
from flashsale.orders.errors import OrderExpired, OrderNotCancellable, OrderNotPayable
from tests.unit.conftest import ONE_MICROSECOND, OPENS, PAYMENT_WINDOW, make_order

EXPIRES = OPENS + PAYMENT_WINDOW


def test_a_reserved_order_is_payable_until_just_before_it_expires() -> None:
    make_order().check_payable(EXPIRES - ONE_MICROSECOND)


def test_the_expiry_instant_is_too_late_to_pay() -> None:
    with pytest.raises(OrderExpired, match="expired"):
        make_order().check_payable(EXPIRES)


def test_an_expired_order_is_not_payable_whatever_the_time() -> None:
    with pytest.raises(OrderExpired):
        make_order(status=OrderStatus.EXPIRED).check_payable(OPENS)


@pytest.mark.parametrize("status", [OrderStatus.PAID, OrderStatus.CANCELLED])
def test_paid_and_cancelled_orders_are_not_payable(status: OrderStatus) -> None:
    with pytest.raises(OrderNotPayable) as caught:
        make_order(status=status).check_payable(OPENS)
    assert not isinstance(caught.value, OrderExpired)


def test_paid_moves_to_paid_and_stamps_the_time() -> None:
    moment = EXPIRES - ONE_MICROSECOND
    paid = make_order().paid(moment)
    assert (paid.status, paid.paid_at) == (OrderStatus.PAID, moment)
    assert paid.holds_stock


def test_paid_at_the_expiry_instant_is_refused() -> None:
    with pytest.raises(OrderExpired):
        make_order().paid(EXPIRES)


def test_is_expired_at_turns_true_at_the_expiry_instant() -> None:
    order = make_order()
    assert not order.is_expired_at(EXPIRES - ONE_MICROSECOND)
    assert order.is_expired_at(EXPIRES)


@pytest.mark.parametrize("status", [OrderStatus.PAID, OrderStatus.CANCELLED, OrderStatus.EXPIRED])
def test_only_reserved_orders_can_be_due_for_expiry(status: OrderStatus) -> None:
    assert not make_order(status=status).is_expired_at(EXPIRES)


@pytest.mark.parametrize("status", [OrderStatus.RESERVED, OrderStatus.PAID])
def test_a_reserved_or_paid_order_cancels(status: OrderStatus) -> None:
    make_order(status=status).check_cancellable()


@pytest.mark.parametrize("status", [OrderStatus.CANCELLED, OrderStatus.EXPIRED])
def test_closed_orders_do_not_cancel(status: OrderStatus) -> None:
    with pytest.raises(OrderNotCancellable, match=str(status)):
        make_order(status=status).check_cancellable()


@pytest.mark.parametrize(
    ("status", "holds"),
    [
        (OrderStatus.RESERVED, True),
        (OrderStatus.PAID, True),
        (OrderStatus.EXPIRED, False),
        (OrderStatus.CANCELLED, False),
    ],
)
def test_only_live_orders_hold_stock(status: OrderStatus, holds: bool) -> None:
    assert make_order(status=status).holds_stock is holds
