"""The console's input and timetable helpers: amounts typed the market's way, "opens in N
minutes"."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from flashsale.kernel.errors import InvalidInput
from flashsale.web.console_kit import parse_amount
from flashsale.web.moments import time_until

NOW = datetime(2026, 12, 6, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("typed", "locale", "amount"),
    [
        ("19,90", "el_GR", "19.90"),
        ("1.299,90", "el_GR", "1299.90"),
        ("19.90", "el_GR", "19.90"),  # the point a keyboard types, where no group means it
        ("1 299,90", "ru_RU", "1299.90"),
        ("1\u00a0299,90", "ru_RU", "1299.90"),
        ("99.000", "id_ID", "99000"),
        ("1,00,000.50", "en_IN", "100000.50"),
        ("999", "en_IN", "999"),
        (" 18.00 ", "en_US", "18.00"),
    ],
)
def test_an_amount_is_read_as_its_market_writes_it(typed: str, locale: str, amount: str) -> None:
    assert parse_amount(typed, locale, "price") == Decimal(amount)


@pytest.mark.parametrize("typed", ["19,90", "", "abc", "-5", "NaN", "1e3x", "Infinity"])
def test_what_is_no_amount_in_india_is_refused(typed: str) -> None:
    with pytest.raises(InvalidInput, match="price"):
        parse_amount(typed, "en_IN", "price")


@pytest.mark.parametrize(
    ("offset", "said"),
    [
        (timedelta(seconds=30), "in under a minute"),
        (timedelta(minutes=1), "in 1 minute"),
        (timedelta(minutes=25, seconds=59), "in 25 minutes"),
        (timedelta(hours=3, minutes=5), "in 3 h 5 min"),
        (timedelta(hours=2), "in 2 h"),
        (timedelta(days=2, hours=1), "in 2 days"),
        (timedelta(seconds=-10), "just now"),
        (-timedelta(minutes=12), "12 minutes ago"),
    ],
)
def test_the_timetable_says_how_long_until(offset: timedelta, said: str) -> None:
    assert time_until(NOW + offset, NOW) == said
