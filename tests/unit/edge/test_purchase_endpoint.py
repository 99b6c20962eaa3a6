"""The bare purchase endpoint answers exactly what the documented response model would."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from flashsale.http.purchase_endpoint import purchase_json
from flashsale.http.schemas.sales import PurchaseOut
from flashsale.kernel.money import Money
from flashsale.orders.domain.order import Order, OrderStatus

# hypothesis takes naive bounds and attaches the time zone itself.
moments = st.datetimes(
    min_value=datetime(2000, 1, 1),  # noqa: DTZ001
    max_value=datetime(2100, 1, 1),  # noqa: DTZ001
    timezones=st.just(UTC),
)
amounts = st.decimals(min_value=Decimal("0"), max_value=Decimal("99999999"), places=2)


@given(moment=moments, amount=amounts, quantity=st.integers(1, 1000))
def test_purchase_json_is_the_response_model_byte_for_byte(
    moment: datetime, amount: Decimal, quantity: int
) -> None:
    order = Order(
        id="ord_1",
        sale_id="sale_1",
        customer_id="cus_1",
        sku="MIBAND2",
        quantity=quantity,
        amount=Money(amount, "INR"),
        status=OrderStatus.RESERVED,
        created_at=moment,
        expires_at=moment + timedelta(minutes=15),
    )
    assert purchase_json(order) == PurchaseOut.of(order).model_dump_json().encode()
