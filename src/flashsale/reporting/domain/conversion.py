"""Facts summed by period and converted at each day's own rate, as one pass the database can
run.

A question is turned into two small tables: each day of its range with the start of its period
(``day_periods``), and each (currency, day) with the factor that converts that day's amounts to
the reporting currency, the fallback within the allowed age already applied (``factor_table``).
The record joins its facts to both and returns one row per period and key: the measures summed
and the net revenue converted day by day (``sum(net x factor)``), with how many facts had money
and no factor. A day missing a rate is listed as (currency, day) from a second read, only when
some row says it has one. ``convert`` is the same in Python (the memory record, the tests).

Which days are "missing" does not depend on how finely the facts are kept: a (currency, day)
is missing when a fact of it has revenue or refunds (both only ever add) and no factor.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from flashsale.reporting.domain.facts import Measure
from flashsale.reporting.domain.fx import Missing, RateBook
from flashsale.reporting.domain.periods import Grain, period_start

# (period start, market, channel, sku, currency, converted, unconverted, *measures): market,
# channel and sku None when not asked for; converted is the net revenue in the reporting
# currency, scaled like the facts (Decimal, or a float from SQLite); unconverted counts the
# facts with money and no factor.
ConvertedRow = tuple[Any, ...]

Periods = Mapping[date, date]
Factors = Mapping[tuple[str, date], Decimal]


@dataclass(frozen=True, slots=True)
class ConvertedFacts:
    rows: list[ConvertedRow]
    missing: list[Missing]


def day_periods(first: date, last: date, grain: Grain) -> dict[date, date]:
    """Every day of [first, last] with the first day of its period."""
    found: dict[date, date] = {}
    day = first
    one = timedelta(days=1)
    while day <= last:
        found[day] = period_start(day, grain)
        day += one
    return found


def factor_table(
    book: RateBook, currencies: Iterable[str], target: str, first: date, last: date
) -> dict[tuple[str, date], Decimal]:
    """Units of ``target`` per unit of each currency on each day of [first, last], where the
    book can say (the day's rate or its latest within the allowed age)."""
    found: dict[tuple[str, date], Decimal] = {}
    one = timedelta(days=1)
    for currency in sorted(set(currencies)):
        day = first
        while day <= last:
            rate = book.rate(currency, target, day)
            if rate is not None:
                found[currency, day] = rate
            day += one
    return found


def has_money(counts: Sequence[int]) -> bool:
    return bool(counts[Measure.REVENUE] or counts[Measure.REFUNDS])


def convert(facts: Iterable[Sequence[Any]], periods: Periods, factors: Factors) -> ConvertedFacts:
    """Fact rows ``(day, market, channel, sku, currency, *measures)`` summed by period and
    key, the net revenue converted day by day; days outside ``periods`` are left out."""
    summed: dict[tuple[Any, ...], list[Any]] = {}
    missing: set[Missing] = set()
    for fact in facts:
        day, currency = fact[0], fact[4]
        period = periods.get(day)
        if period is None:
            continue
        counts = fact[5:]
        group = (period, fact[1], fact[2], fact[3], currency)
        kept = summed.get(group)
        if kept is None:
            kept = summed[group] = [Decimal(0), 0, *([0] * len(counts))]
        for i, n in enumerate(counts, start=2):
            kept[i] += n
        if not has_money(counts):
            continue
        factor = factors.get((currency, day))
        if factor is None:
            kept[1] += 1
            missing.add(Missing(currency, day))
            continue
        kept[0] += (counts[Measure.REVENUE] - counts[Measure.REFUNDS]) * factor
    rows = [(*group, *kept) for group, kept in sorted(summed.items(), key=_group_order)]
    return ConvertedFacts(rows, sorted(missing))


def _group_order(item: tuple[tuple[Any, ...], list[Any]]) -> tuple[Any, ...]:
    period, market, channel, sku, currency = item[0]
    return (period, market or "", channel or "", sku or "", currency)
