"""decide(): the one purchase rule every gate applies, each refusal and the order of checks."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flashsale.kernel.errors import InvalidInput
from flashsale.sales.domain.purchase import MAX_QUANTITY, PurchaseRequest, Refusal, decide
from flashsale.sales.errors import (
    InsufficientStock,
    LimitReached,
    NotRegistered,
    PurchaseRefused,
    SaleClosed,
    SaleNotOpenYet,
    SoldOut,
)
from tests.unit.conftest import (
    CLOSES,
    ONE_MICROSECOND,
    OPENS,
    REGISTRATION_CLOSES,
    REGISTRATION_OPENS,
    T0,
    make_sale,
)

SALE = make_sale(stock_total=10, per_customer_limit=2)


def _decide(
    now: datetime = OPENS,
    *,
    registered: bool = True,
    held: int = 0,
    quantity: int = 1,
    stock_left: int = 10,
) -> type[PurchaseRefused] | None:
    refusal = decide(
        SALE, now, registered=registered, held=held, quantity=quantity, stock_left=stock_left
    )
    return None if refusal is None else refusal.error


def test_a_registered_customer_buys_at_the_opening_instant() -> None:
    assert _decide(OPENS) is None


def test_one_microsecond_before_opening_is_too_early() -> None:
    assert _decide(OPENS - ONE_MICROSECOND) is SaleNotOpenYet


@pytest.mark.parametrize("moment", [T0, REGISTRATION_OPENS, REGISTRATION_CLOSES])
def test_every_state_before_opening_says_not_open_yet(moment: datetime) -> None:
    assert _decide(moment) is SaleNotOpenYet


def test_the_last_microsecond_is_still_open() -> None:
    assert _decide(CLOSES - ONE_MICROSECOND) is None


def test_the_closing_instant_is_closed() -> None:
    assert _decide(CLOSES) is SaleClosed


def test_an_unregistered_customer_is_refused() -> None:
    assert _decide(registered=False) is NotRegistered


@pytest.mark.parametrize(("held", "quantity"), [(2, 1), (1, 2), (0, 3)])
def test_the_limit_counts_what_the_customer_already_holds(held: int, quantity: int) -> None:
    assert _decide(held=held, quantity=quantity) is LimitReached


@pytest.mark.parametrize(("held", "quantity"), [(0, 2), (1, 1), (0, 1)])
def test_up_to_the_limit_is_allowed(held: int, quantity: int) -> None:
    assert _decide(held=held, quantity=quantity) is None


def test_nothing_left_is_sold_out() -> None:
    assert _decide(stock_left=0) is SoldOut


def test_fewer_left_than_asked_is_insufficient_stock() -> None:
    assert _decide(quantity=2, stock_left=1) is InsufficientStock


def test_exactly_the_stock_left_may_be_bought() -> None:
    assert _decide(quantity=2, stock_left=2) is None


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        # timing first: nobody learns about registration or stock before the sale opens
        ({"now": OPENS - ONE_MICROSECOND, "registered": False, "stock_left": 0}, SaleNotOpenYet),
        ({"now": CLOSES, "registered": False, "held": 5, "stock_left": 0}, SaleClosed),
        # then registration, before the limit and the stock
        ({"registered": False, "held": 2, "stock_left": 0}, NotRegistered),
        # then the limit, before the stock
        ({"held": 2, "stock_left": 0}, LimitReached),
        ({"quantity": 3, "stock_left": 1}, LimitReached),
        # sold out before insufficient
        ({"quantity": 2, "stock_left": 0}, SoldOut),
    ],
)
def test_the_order_of_checks(kwargs: dict[str, object], expected: type[PurchaseRefused]) -> None:
    assert _decide(**kwargs) is expected  # type: ignore[arg-type]


def test_a_refusal_raises_its_error_with_its_detail() -> None:
    refusal = decide(SALE, CLOSES, registered=True, held=0, quantity=1, stock_left=1)
    assert refusal is not None
    with pytest.raises(SaleClosed, match=re.escape(CLOSES.isoformat())):
        refusal.raise_()


def test_refusal_details_name_the_limit_and_what_is_held() -> None:
    refusal = decide(SALE, OPENS, registered=True, held=2, quantity=1, stock_left=5)
    assert refusal == Refusal(LimitReached, "the limit is 2 per customer and you hold 2")


@pytest.mark.parametrize("quantity", [0, -1, MAX_QUANTITY + 1])
def test_a_request_needs_a_sensible_quantity(quantity: int) -> None:
    with pytest.raises(InvalidInput, match="quantity"):
        PurchaseRequest("sale_band", "cus_1", quantity)


@pytest.mark.parametrize("quantity", [1, MAX_QUANTITY])
def test_a_request_at_the_quantity_bounds_is_accepted(quantity: int) -> None:
    assert PurchaseRequest("sale_band", "cus_1", quantity).quantity == quantity


@given(
    held=st.integers(min_value=0, max_value=5),
    quantity=st.integers(min_value=1, max_value=5),
    stock_left=st.integers(min_value=0, max_value=12),
)
def test_an_accepted_purchase_never_breaks_the_limit_or_the_stock(
    held: int, quantity: int, stock_left: int
) -> None:
    verdict = _decide(held=held, quantity=quantity, stock_left=stock_left)
    fits = held + quantity <= SALE.per_customer_limit and quantity <= stock_left
    assert (verdict is None) == fits
