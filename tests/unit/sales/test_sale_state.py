"""The flash sale's timetable validation and its clock-derived state machine."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flashsale.kernel.errors import InvalidInput
from flashsale.sales.domain.sale import MAX_PER_CUSTOMER_LIMIT, MAX_STOCK, SaleState
from tests.unit.conftest import (
    CLOSES,
    ONE_MICROSECOND,
    OPENS,
    REGISTRATION_CLOSES,
    REGISTRATION_OPENS,
    T0,
    make_sale,
)

TIME_FIELDS = ["registration_opens_at", "registration_closes_at", "opens_at", "closes_at"]


def test_a_well_formed_sale_is_accepted() -> None:
    sale = make_sale()
    assert sale.opens_at == OPENS


@pytest.mark.parametrize("name", TIME_FIELDS)
def test_naive_times_are_refused(name: str) -> None:
    naive = getattr(make_sale(), name).replace(tzinfo=None)
    with pytest.raises(InvalidInput, match=f"{name} must be a UTC time"):
        make_sale(**{name: naive})


@pytest.mark.parametrize("name", TIME_FIELDS)
def test_times_in_another_offset_are_refused_even_when_the_instant_is_right(name: str) -> None:
    india = timezone(timedelta(hours=5, minutes=30))
    same_instant = getattr(make_sale(), name).astimezone(india)
    with pytest.raises(InvalidInput, match="UTC"):
        make_sale(**{name: same_instant})


def test_a_zone_at_offset_zero_counts_as_utc() -> None:
    london_winter = datetime(2026, 1, 10, 9, 0, tzinfo=ZoneInfo("Europe/London"))
    sale = make_sale(
        registration_opens_at=london_winter,
        registration_closes_at=london_winter + timedelta(hours=1),
        opens_at=london_winter + timedelta(hours=2),
        closes_at=london_winter + timedelta(hours=3),
    )
    assert sale.opens_at.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    "times",
    [
        # registration must open before it closes
        {"registration_opens_at": REGISTRATION_CLOSES},
        {"registration_opens_at": REGISTRATION_CLOSES + ONE_MICROSECOND},
        # registration must close no later than the sale opens
        {"registration_closes_at": OPENS + ONE_MICROSECOND},
        # the sale must open before it closes
        {"closes_at": OPENS},
        {"closes_at": OPENS - ONE_MICROSECOND},
    ],
)
def test_the_timetable_must_run_in_order(times: dict[str, datetime]) -> None:
    with pytest.raises(InvalidInput, match="timetable"):
        make_sale(**times)


def test_registration_may_close_the_instant_the_sale_opens() -> None:
    sale = make_sale(registration_closes_at=OPENS)
    assert sale.state_at(OPENS - ONE_MICROSECOND, 10) is SaleState.REGISTRATION
    assert sale.state_at(OPENS, 10) is SaleState.OPEN


@pytest.mark.parametrize("stock", [0, -1, MAX_STOCK + 1])
def test_stock_out_of_bounds_is_refused(stock: int) -> None:
    with pytest.raises(InvalidInput, match="stock"):
        make_sale(stock_total=stock)


@pytest.mark.parametrize("stock", [1, MAX_STOCK])
def test_stock_at_the_bounds_is_accepted(stock: int) -> None:
    assert make_sale(stock_total=stock).stock_total == stock


@pytest.mark.parametrize("limit", [0, -1, MAX_PER_CUSTOMER_LIMIT + 1])
def test_per_customer_limit_out_of_bounds_is_refused(limit: int) -> None:
    with pytest.raises(InvalidInput, match="per_customer_limit"):
        make_sale(per_customer_limit=limit)


@pytest.mark.parametrize("limit", [1, MAX_PER_CUSTOMER_LIMIT])
def test_per_customer_limit_at_the_bounds_is_accepted(limit: int) -> None:
    assert make_sale(per_customer_limit=limit).per_customer_limit == limit


@pytest.mark.parametrize("window", [timedelta(0), timedelta(seconds=-1), -ONE_MICROSECOND])
def test_payment_window_must_be_positive(window: timedelta) -> None:
    with pytest.raises(InvalidInput, match="payment_window"):
        make_sale(payment_window=window)


@pytest.mark.parametrize(
    ("moment", "stock_left", "state"),
    [
        (T0, 10, SaleState.SCHEDULED),
        (REGISTRATION_OPENS - ONE_MICROSECOND, 10, SaleState.SCHEDULED),
        (REGISTRATION_OPENS, 10, SaleState.REGISTRATION),
        (REGISTRATION_CLOSES - ONE_MICROSECOND, 10, SaleState.REGISTRATION),
        (REGISTRATION_CLOSES, 10, SaleState.WAITING),
        (OPENS - ONE_MICROSECOND, 10, SaleState.WAITING),
        (OPENS, 10, SaleState.OPEN),
        (OPENS, 1, SaleState.OPEN),
        (OPENS, 0, SaleState.SOLD_OUT),
        (CLOSES - ONE_MICROSECOND, 10, SaleState.OPEN),
        (CLOSES - ONE_MICROSECOND, 0, SaleState.SOLD_OUT),
        (CLOSES, 10, SaleState.CLOSED),
        (CLOSES, 0, SaleState.CLOSED),
        (CLOSES + timedelta(days=365), 10, SaleState.CLOSED),
    ],
)
def test_state_at_each_boundary(moment: datetime, stock_left: int, state: SaleState) -> None:
    assert make_sale().state_at(moment, stock_left) is state


def test_stock_left_does_not_matter_before_the_sale_opens() -> None:
    sale = make_sale()
    assert sale.state_at(OPENS - ONE_MICROSECOND, 0) is SaleState.WAITING


_ORDER = list(SaleState)


@given(
    # hypothesis takes naive bounds and attaches the zone itself
    first=st.datetimes(
        min_value=T0.replace(tzinfo=None) - timedelta(hours=2),
        max_value=CLOSES.replace(tzinfo=None) + timedelta(hours=2),
        timezones=st.just(UTC),
    ),
    later_by=st.timedeltas(min_value=timedelta(0), max_value=timedelta(hours=10)),
    stock_left=st.integers(min_value=1, max_value=10),
)
def test_state_never_moves_backwards_in_time(
    first: datetime, later_by: timedelta, stock_left: int
) -> None:
    sale = make_sale()
    assert _ORDER.index(sale.state_at(first, stock_left)) <= _ORDER.index(
        sale.state_at(first + later_by, stock_left)
    )


@pytest.mark.parametrize(
    ("moment", "accepted"),
    [
        (REGISTRATION_OPENS - ONE_MICROSECOND, False),
        (REGISTRATION_OPENS, True),
        (REGISTRATION_CLOSES - ONE_MICROSECOND, True),
        (REGISTRATION_CLOSES, False),
        (OPENS, False),
    ],
)
def test_registration_window_is_half_open(moment: datetime, accepted: bool) -> None:
    assert make_sale().accepts_registration_at(moment) is accepted
