"""The sales report's question and its answer: facts summed by period and dimensions, revenue
in each market's currency and converted to one reporting currency at each day's own rate."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from flashsale.kernel.errors import InvalidInput
from flashsale.kernel.money import minor_unit_places
from flashsale.reporting.domain.conversion import (
    ConvertedFacts,
    convert,
    day_periods,
    factor_table,
    has_money,
)
from flashsale.reporting.domain.facts import SCALE, Measure
from flashsale.reporting.domain.fx import Missing, RateBook, check_currency
from flashsale.reporting.domain.periods import Grain, Period, parse_period, period_of

MAX_DAY_GRAIN_DAYS = 3653  # ten years of days, leap days included
MAX_MISSING_LISTED = 500


class Dimension(enum.StrEnum):
    MARKET = "market"
    CHANNEL = "channel"
    SKU = "sku"


class Rehearsals(enum.StrEnum):
    EXCLUDE = "exclude"
    INCLUDE = "include"
    ONLY = "only"

    @classmethod
    def parse(cls, text: str) -> Rehearsals:
        try:
            return cls(text)
        except ValueError:
            allowed = ", ".join(r.value for r in cls)
            raise InvalidInput(
                f"rehearsals: no choice {text[:40]!r}; the allowed: {allowed}"
            ) from None


class Metric(enum.StrEnum):
    UNITS_SHIPPED = "units_shipped"
    UNITS_SOLD = "units_sold"
    REVENUE = "revenue"
    ORDERS = "orders"

    @classmethod
    def parse(cls, text: str) -> Metric:
        try:
            return cls(text)
        except ValueError:
            allowed = ", ".join(m.value for m in cls)
            raise InvalidInput(f"metric: no metric {text[:40]!r}; the allowed: {allowed}") from None


def parse_dimensions(text: str | None) -> tuple[Dimension, ...]:
    """``market,channel`` → the dimensions, in the report's own order; an unknown one is
    refused with the allowed ones listed."""
    if text is None or not text.strip():
        return ()
    chosen: set[Dimension] = set()
    for name in text.split(","):
        try:
            chosen.add(Dimension(name.strip()))
        except ValueError:
            allowed = ", ".join(d.value for d in Dimension)
            raise InvalidInput(
                f"by: no dimension {name.strip()[:40]!r}; the allowed: {allowed}"
            ) from None
    return tuple(d for d in Dimension if d in chosen)


def parse_range(first: str | None, last: str | None, today: date) -> tuple[date, date]:
    """``from`` and ``to`` as periods (``2017-01`` is the whole month): from the first day of
    one to the last day of the other. Without ``to``, today; without ``from``, a year before."""
    end = parse_period(last, "to").last if last else today
    start = parse_period(first, "from").first if first else date(end.year - 1, end.month, 1)
    if start > end:
        raise InvalidInput(f"from {start} is after to {end}")
    return start, end


def check_market(code: str | None) -> str | None:
    if code is None or code == "":
        return None
    if len(code) != 2 or not code.isascii() or not code.isalpha():
        raise InvalidInput(f"market: {code[:40]!r} is not a market code such as IN")
    return code.upper()


def check_channel(name: str | None) -> str | None:
    if name is None or name == "":
        return None
    if len(name) > 32 or not name.replace("-", "").replace("_", "").isalnum():
        raise InvalidInput(f"channel: {name[:40]!r} is not a channel name such as web")
    return name


@dataclass(frozen=True, slots=True)
class SalesQuestion:
    grain: Grain
    by: tuple[Dimension, ...]
    first: date
    last: date
    currency: str
    rehearsals: Rehearsals = Rehearsals.EXCLUDE
    market: str | None = None
    channel: str | None = None

    def __post_init__(self) -> None:
        check_currency(self.currency)
        if self.first > self.last:
            raise InvalidInput(f"from {self.first} is after to {self.last}")
        days = (self.last - self.first).days + 1
        if self.grain is Grain.DAY and days > MAX_DAY_GRAIN_DAYS:
            raise InvalidInput(
                f"{days} days at day grain: at most ten years ({MAX_DAY_GRAIN_DAYS} days);"
                " ask for a coarser grain"
            )


# A row the record answers: (day, market, channel, sku, currency, *sums of every measure),
# with None for a dimension not asked for.
FactRow = tuple[Any, ...]


@dataclass(slots=True)
class ReportRow:
    period: Period
    market: str | None
    channel: str | None
    sku: str | None
    counts: list[int]
    revenue: dict[str, int] = field(default_factory=dict)  # net, scaled, by currency
    reporting: Decimal = Decimal(0)  # scaled, in the reporting currency
    incomplete: bool = False

    @property
    def orders(self) -> int:
        return self.counts[Measure.ORDERS]

    @property
    def units_sold(self) -> int:
        """Paid units less those cancelled after payment."""
        return self.counts[Measure.UNITS_SOLD] - self.counts[Measure.UNITS_CANCELLED]

    @property
    def units_cancelled(self) -> int:
        return self.counts[Measure.UNITS_CANCELLED]

    @property
    def units_shipped(self) -> int:
        return self.counts[Measure.UNITS_SHIPPED]

    @property
    def units_delivered(self) -> int:
        return self.counts[Measure.UNITS_DELIVERED]

    @property
    def units_returned(self) -> int:
        return self.counts[Measure.UNITS_RETURNED]

    def revenue_in(self, currency: str) -> Decimal:
        return amount_of(self.revenue.get(currency, 0), currency)

    def reporting_amount(self, currency: str) -> Decimal:
        return amount_of(self.reporting, currency)


def amount_of(scaled: int | Decimal, currency: str) -> Decimal:
    """A scaled sum as an amount of the currency, to its minor unit."""
    places = minor_unit_places(currency)
    return (Decimal(scaled) / SCALE).quantize(Decimal(1).scaleb(-places))


@dataclass(slots=True)
class SalesAnswer:
    question: SalesQuestion
    rows: list[ReportRow]
    total: ReportRow
    missing: list[Missing]
    missing_count: int


def net_revenue(counts: Sequence[int]) -> int:
    return counts[Measure.REVENUE] - counts[Measure.REFUNDS]


def tabulate(question: SalesQuestion, facts: Iterable[FactRow], book: RateBook) -> SalesAnswer:
    """Fact rows summed into the question's periods and dimensions, revenue converted day by
    day at the book's rates: what the record's ``convert_facts`` does, in Python."""
    rows = list(facts)
    periods = day_periods(question.first, question.last, question.grain)
    currencies = {row[4] for row in rows}
    factors = factor_table(book, currencies, question.currency, question.first, question.last)
    return assemble(question, convert(rows, periods, factors))


def _decimal(amount: Any) -> Decimal:
    # PostgreSQL sums numeric exactly; SQLite multiplies in binary floating point, whose
    # shortest repr is the closest decimal (far below the minor unit the answer shows).
    return amount if isinstance(amount, Decimal) else Decimal(repr(amount))


def assemble(question: SalesQuestion, converted: ConvertedFacts) -> SalesAnswer:
    """The answer from rows already summed by (period, key, currency) and converted."""
    grain = question.grain
    rows: dict[tuple[date, str | None, str | None, str | None], ReportRow] = {}
    total = ReportRow(period_of(question.first, grain), None, None, None, [0] * len(Measure))
    for found in converted.rows:
        first, market, channel, sku, currency, amount, unconverted = found[:7]
        counts = found[7:]
        key = (first, market, channel, sku)
        row = rows.get(key)
        if row is None:
            row = rows[key] = ReportRow(
                period_of(first, grain), market, channel, sku, [0] * len(counts)
            )
        summed = row.counts
        for i, n in enumerate(counts):
            summed[i] += n
        if has_money(counts):
            row.revenue[currency] = row.revenue.get(currency, 0) + net_revenue(counts)
        row.reporting += _decimal(amount)
        row.incomplete = row.incomplete or bool(unconverted)
    ordered = sorted(
        rows.values(), key=lambda r: (r.period.first, r.market or "", r.channel or "", r.sku or "")
    )
    for row in ordered:
        for i, n in enumerate(row.counts):
            total.counts[i] += n
        for currency, amount in row.revenue.items():
            total.revenue[currency] = total.revenue.get(currency, 0) + amount
        total.reporting += row.reporting
        total.incomplete = total.incomplete or row.incomplete
    missing = converted.missing
    return SalesAnswer(question, ordered, total, missing[:MAX_MISSING_LISTED], len(missing))
