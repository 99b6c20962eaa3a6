"""The dashboard's chart over the whole sale: the sell-out moment (units given back included),
the peak second, and wider buckets for a long sale."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from flashsale.kernel.money import Money
from flashsale.orders.domain.order import Order, OrderStatus
from flashsale.web.sale_chart import MAX_POINTS, after, purchase_chart, sold_out_at

OPENS = datetime(2015, 5, 12, 4, 30, tzinfo=UTC)


def order(
    n: int, at: float, status: OrderStatus = OrderStatus.PAID, closed: float | None = None
) -> Order:
    return Order(
        id=f"ord_{n}",
        sale_id="sale_1",
        customer_id=f"cus_{n}",
        sku="MIBAND2",
        quantity=1,
        amount=Money(Decimal(999), "INR"),
        status=status,
        created_at=OPENS + timedelta(seconds=at),
        expires_at=OPENS + timedelta(seconds=at + 60),
        closed_at=None if closed is None else OPENS + timedelta(seconds=closed),
    )


def test_the_sell_out_is_when_every_unit_was_held_with_returns_counted() -> None:
    orders = [
        order(1, 0.1, OrderStatus.EXPIRED, closed=0.5),  # given back before the third came
        order(2, 0.2),
        order(3, 0.7),
        order(4, 0.9),
    ]
    assert sold_out_at(orders, 3) == OPENS + timedelta(seconds=0.9)
    assert sold_out_at(orders[:2], 3) is None


def test_the_whole_sale_is_charted_with_its_peak_and_the_sell_out() -> None:
    orders = [order(n, 0.1 * n) for n in range(1, 6)] + [order(9, 3600.5)]
    chart = purchase_chart(
        orders,
        opens_at=OPENS,
        closes_at=OPENS + timedelta(hours=2),
        now=OPENS + timedelta(hours=1, minutes=1),
        stock_total=5,
        timezone="Asia/Kolkata",
    )
    assert chart["times"][0] == int(OPENS.timestamp())  # the opening is kept
    assert len(chart["times"]) <= MAX_POINTS
    assert chart["counts"][0] == 1.67  # 5 in a three-second bucket: the mean per second
    assert (chart["peak"], chart["peak_at"]) == (5, int(OPENS.timestamp()))
    assert chart["sold_out_after"] == "0.50 s"
    assert chart["timezone"] == "Asia/Kolkata"


def test_how_long_selling_out_took_reads_well() -> None:
    assert [after(s) for s in (0.84, 12.34, 245, 7380)] == [
        "0.84 s",
        "12.3 s",
        "4 min 05 s",
        "2 h 03 min",
    ]
