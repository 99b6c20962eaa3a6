"""Money: exact decimals in a named currency, and the parser every price goes through."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flashsale.kernel.errors import InvalidInput
from flashsale.kernel.money import (
    MAX_AMOUNT,
    MAX_DECIMAL_PLACES,
    Money,
    minor_unit_places,
    parse_amount,
    parse_price,
)


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


@pytest.mark.parametrize("negative", [Decimal("-999"), -5])
def test_parse_amount_refuses_negative_amounts(negative: object) -> None:
    with pytest.raises(InvalidInput, match="between 0 and"):
        parse_amount(negative)


@pytest.mark.parametrize(
    "text",
    [
        "-1",
        "-0.01",
        "+1",
        "1E-30",
        "1e3",
        "1_000",
        " 10",
        "10 ",
        "10\n",
        "1.",
        ".5",
        "0x10",
        "\u0663",  # an Arabic-Indic three: Decimal() reads it as 3
        "1,000",
        "1.00000",  # finer than any currency's minor unit
        "1" * 14,
    ],
)
def test_parse_amount_takes_only_digits_and_a_fraction(text: str) -> None:
    with pytest.raises(InvalidInput, match="decimal string"):
        parse_amount(text)


def test_parse_amount_refuses_a_decimal_finer_than_any_currency() -> None:
    with pytest.raises(InvalidInput, match="decimal places"):
        parse_amount(Decimal("1E-30"))


@pytest.mark.parametrize(
    "huge",
    [str(MAX_AMOUNT + Decimal("0.01")), "1e13", 10**30, "Infinity", Decimal("Infinity")],
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


@given(st.integers(0, MAX_DECIMAL_PLACES).flatmap(lambda p: st.decimals(0, MAX_AMOUNT, places=p)))
def test_parse_amount_round_trips_its_text(amount: Decimal) -> None:
    text = f"{amount:f}"
    assert parse_amount(text) == amount
    assert str(parse_amount(text)) == text


@pytest.mark.parametrize(
    ("currency", "places"), [("JPY", 0), ("INR", 2), ("USD", 2), ("KWD", 3), ("CLF", 4)]
)
def test_minor_units_are_iso_4217s(currency: str, places: int) -> None:
    assert minor_unit_places(currency) == places


@pytest.mark.parametrize(
    ("amount", "currency"),
    [("999", "JPY"), ("999.50", "INR"), ("999.5", "INR"), ("1.234", "KWD"), (Decimal("1"), "JPY")],
)
def test_a_price_may_be_as_fine_as_the_minor_unit(amount: object, currency: str) -> None:
    assert parse_price(amount, currency) == Money(Decimal(str(amount)), currency)


@pytest.mark.parametrize(
    ("amount", "currency"),
    [
        ("999.5", "JPY"),
        ("999.00", "JPY"),  # the written places are what a receipt prints
        ("0.001", "INR"),
        ("1.2345", "KWD"),
        (Decimal("1E-30"), "INR"),
        (Decimal("0.001"), "USD"),
    ],
)
def test_a_price_finer_than_the_minor_unit_is_refused(amount: object, currency: str) -> None:
    with pytest.raises(InvalidInput, match="decimal places"):
        parse_price(amount, currency)


def test_a_price_is_parsed_strictly_before_its_places_are_counted() -> None:
    with pytest.raises(InvalidInput, match="decimal string"):
        parse_price("1E-30", "INR")
    with pytest.raises(InvalidInput, match="ISO 4217"):
        parse_price("1", "inr")


def test_money_itself_keeps_any_exact_amount() -> None:
    # Stored and computed amounts load whatever their places: only new prices are checked.
    assert Money(Decimal("0.305"), "USD").amount == Decimal("0.305")
