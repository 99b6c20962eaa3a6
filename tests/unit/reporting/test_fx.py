"""Exchange rates: each fact at its own day's rate, the weekend's fallback, a currency the
ECB stopped quoting, the ECB's file, and rates entered later."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from flashsale.kernel.clock import ManualClock
from flashsale.kernel.errors import InvalidInput
from flashsale.reporting.domain.facts import SCALE
from flashsale.reporting.domain.fx import (
    FxRate,
    Missing,
    RateBook,
    check_currency,
    parse_ecb_history,
)
from flashsale.reporting.domain.periods import Grain
from flashsale.reporting.domain.questions import SalesQuestion, amount_of, tabulate
from flashsale.reporting.service.rates import ExchangeRates
from tests.unit.reporting.fakes import Repository

FESTIVAL = date(2015, 4, 8)  # a Wednesday
# The ECB's reference rates of 8 April 2015 (EUR 1 = USD 1.0783, CNY 6.6893).
ECB_2015 = """Date,USD,JPY,CNY,RUB,INR,
2015-04-08,1.0783,129.58,6.6893,60.5612,67.3375,
2015-04-03,1.0963,131.15,6.7968,62.3900,68.4700,
"""


def eur(day: date, **rates: str) -> list[FxRate]:
    return [FxRate(day, "EUR", quote, Decimal(r)) for quote, r in rates.items()]


def test_the_festival_s_two_point_zero_eight_billion_yuan_is_about_335_million_dollars() -> None:
    """The seed prints US$432 million; at the day's rate (6.20 yuan a dollar, the rate the same
    article's 1.5 billion yuan = US$242 million implies) the arithmetic gives $335 million."""
    book = RateBook(parse_ecb_history(ECB_2015).rates)
    rate = book.rate("CNY", "USD", FESTIVAL)
    assert rate is not None and Decimal("6.19") < 1 / rate < Decimal("6.21")
    dollars = Decimal(2_080_000_000) * rate
    assert abs(dollars - 335_000_000) < 1_000_000
    assert abs(dollars - 432_000_000) > 90_000_000  # the seed's figure is not this day's rate
    assert abs(Decimal(1_500_000_000) / Decimal("6.20") - 242_000_000) < 1_000_000


def test_a_weekend_takes_friday_s_rate_within_the_allowed_age() -> None:
    friday = date(2015, 4, 3)  # Good Friday: no rates until Wednesday the 8th
    book = RateBook(eur(friday, USD="1.0963"), max_age=4)
    assert book.rate("EUR", "USD", friday + timedelta(days=1)) == Decimal("1.0963")  # Saturday
    assert book.rate("EUR", "USD", friday + timedelta(days=4)) == Decimal("1.0963")  # Tuesday
    assert book.rate("EUR", "USD", friday + timedelta(days=5)) is None  # too old
    assert book.rate("EUR", "USD", friday - timedelta(days=1)) is None  # never a later rate


def test_cross_rates_go_through_the_euro_and_inverse_pairs_work() -> None:
    book = RateBook(eur(FESTIVAL, USD="1.0783", INR="67.3375"))
    assert book.rate("USD", "EUR", FESTIVAL) == 1 / Decimal("1.0783")
    inr_usd = book.rate("INR", "USD", FESTIVAL)
    assert inr_usd == (1 / Decimal("67.3375")) * Decimal("1.0783")
    assert book.rate("USD", "USD", FESTIVAL) == 1


def test_a_currency_the_ecb_stopped_quoting_is_incomplete_with_its_days_listed() -> None:
    last_quote = date(2022, 3, 1)
    rates = eur(last_quote, USD="1.1162", RUB="117.2900")
    later = last_quote + timedelta(days=9)  # past the four days a weekend may borrow
    rates += eur(later, USD="1.0993")
    question = SalesQuestion(Grain.MONTH, (), date(2022, 3, 1), date(2022, 3, 31), "USD")
    scaled = 1000 * SCALE
    facts = [
        (last_quote, None, None, None, "RUB", 1, 1, scaled, 0, 0, 0, 0, 0, 0),
        (later, None, None, None, "RUB", 1, 1, scaled, 0, 0, 0, 0, 0, 0),
    ]
    answer = tabulate(question, facts, RateBook(rates))
    assert answer.total.incomplete
    assert answer.missing == [Missing("RUB", later)]
    converted = amount_of(answer.total.reporting, "USD")
    assert converted == (Decimal(1000) / Decimal("117.29") * Decimal("1.1162")).quantize(
        Decimal("0.01")
    )


def test_the_ecb_file_is_read_with_its_gaps() -> None:
    parsed = parse_ecb_history(ECB_2015.replace("60.5612", "N/A"))
    assert parsed.days == 2
    assert FxRate(FESTIVAL, "EUR", "CNY", Decimal("6.6893")) in parsed.rates
    assert not [r for r in parsed.rates if r.quote == "RUB" and r.day == FESTIVAL]


def test_a_file_with_bad_lines_names_each_line_and_none_is_taken() -> None:
    bad = ECB_2015 + "2015-04-02,1.07,x,6.6,N/A,67,\nyesterday,1,1,1,1,1,\n2015-04-01,1,-3,1,1,1,\n"
    with pytest.raises(InvalidInput) as refused:
        parse_ecb_history(bad)
    assert "line 4" in refused.value.detail and "line 5" in refused.value.detail
    assert "line 6" in refused.value.detail and "nothing imported" in refused.value.detail


@pytest.mark.parametrize("code", ["usd", "XYZ", "US", "EURO", ""])
def test_a_currency_must_be_iso_4217(code: str) -> None:
    with pytest.raises(InvalidInput):
        check_currency(code)


async def test_rates_entered_later_restate_the_totals_at_the_next_question() -> None:
    repository = Repository()
    clock = ManualClock(datetime(2015, 4, 9, tzinfo=UTC))
    rates = ExchangeRates(repository, clock)
    question = SalesQuestion(Grain.DAY, (), FESTIVAL, FESTIVAL, "USD")
    facts = [(FESTIVAL, None, None, None, "CNY", 1, 1, 66_893, 0, 0, 0, 0, 0, 0)]
    before = tabulate(question, facts, await rates.book(["CNY", "USD"], FESTIVAL, FESTIVAL))
    assert before.total.incomplete
    with pytest.raises(InvalidInput, match="nothing imported"):
        await rates.import_ecb(ECB_2015 + "2015-04-07,oops,1,1,1,1,\n")
    assert await repository.fx_version() == (0, None)
    clock.advance(60)
    await rates.import_ecb(ECB_2015)
    after = tabulate(question, facts, await rates.book(["CNY", "USD"], FESTIVAL, FESTIVAL))
    assert not after.total.incomplete
    assert amount_of(after.total.reporting, "USD") == Decimal("1.08")
