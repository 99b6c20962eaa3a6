"""Money: exact decimals in a named currency, and the parser every price goes through."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flashsale.kernel.errors import InvalidInput
from flashsale.kernel.money import MAX_AMOUNT, Money, parse_amount


@pytest.mark.parametrize(
    ("given_value", "expected"),
    [
        ("999", Decimal("999")),
        ("18.00", Decimal("18.00")),
        (Decimal("34.99"), Decimal("34.99")),
        (999, Decimal("999")),
        ("0", Decimal("0")),
        (str(MAX_AMOUNT), MAX_AMOUNT),
    ],
)
def test_parse_amount_accepts_decimal_text_and_integers(
    given_value: object, expected: Decimal
) -> None:
    assert parse_amount(given_value) == expected


def test_parse_amount_keeps_the_written_scale() -> None:
    # "18.00" and "18" are equal amounts, but the scale is what a receipt prints.
    assert str(parse_amount("18.00")) == "18.00"


@pytest.mark.parametrize("floating", [999.0, 0.1, 1e3, float("nan"), float("inf")])
def test_parse_amount_refuses_floats(floating: float) -> None:
    with pytest.raises(InvalidInput, match="not floats"):
        parse_amount(floating)


@pytest.mark.parametrize("flag", [True, False])
def test_parse_amount_refuses_booleans(flag: bool) -> None:
    with pytest.raises(InvalidInput):
        parse_amount(flag)


@pytest.mark.parametrize("negative", ["-1", "-0.01", Decimal("-999"), -5])
def test_parse_amount_refuses_negative_amounts(negative: object) -> None:
    with pytest.raises(InvalidInput, match="between 0 and"):
        parse_amount(negative)


@pytest.mark.parametrize(
    "huge", [str(MAX_AMOUNT + Decimal("0.01")), "1e13", 10**30, "Infinity", "-Infinity"]
)
def test_parse_amount_refuses_amounts_beyond_the_bound(huge: object) -> None:
    with pytest.raises(InvalidInput):
        parse_amount(huge)


@pytest.mark.parametrize("junk", ["", "abc", "9,99", "12 34", "NaN", "sNaN", None, [1], "1.2.3"])
def test_parse_amount_refuses_what_is_not_a_number(junk: object) -> None:
    with pytest.raises(InvalidInput):
        parse_amount(junk)


def test_money_of_parses_and_names_the_currency() -> None:
    assert Money.of("999", "INR") == Money(Decimal("999"), "INR")


@pytest.mark.parametrize("currency", ["inr", "IN", "INRR", "", "1NR", "₹"])
def test_money_needs_an_iso_4217_code(currency: str) -> None:
    with pytest.raises(InvalidInput, match="ISO 4217"):
        Money(Decimal("1"), currency)


def test_money_refuses_a_float_amount_given_directly() -> None:
    with pytest.raises(InvalidInput, match="Decimal"):
        Money(999.0, "INR")  # type: ignore[arg-type]


def test_times_is_exact_where_binary_floats_are_not() -> None:
    # 0.1 * 3 is 0.30000000000000004 in binary floating point.
    assert Money.of("0.10", "EUR").times(3) == Money(Decimal("0.30"), "EUR")
    assert Money.of("34.99", "EUR").times(3).amount == Decimal("104.97")


def test_times_keeps_the_currency() -> None:
    assert Money.of("999", "INR").times(2).currency == "INR"


def test_money_prints_amount_then_currency() -> None:
    assert str(Money.of("999.00", "INR")) == "999.00 INR"


def test_money_of_different_currencies_are_not_equal() -> None:
    assert Money.of("1", "EUR") != Money.of("1", "USD")


@given(
    cents=st.integers(min_value=0, max_value=10**12),
    quantity=st.integers(min_value=1, max_value=1000),
)
def test_times_equals_repeated_addition_to_the_cent(cents: int, quantity: int) -> None:
    unit = Money.of(f"{cents // 100}.{cents % 100:02d}", "INR")
    assert unit.times(quantity).amount == sum([unit.amount] * quantity, Decimal(0))
    assert unit.times(quantity).amount * 100 == cents * quantity


@given(st.decimals(min_value=0, max_value=MAX_AMOUNT, allow_nan=False, allow_infinity=False))
def test_parse_amount_round_trips_its_text(amount: Decimal) -> None:
    assert parse_amount(str(amount)) == amount
