"""Exchange rates by day: a fact converts at the rate of its own day, never today's.

A rate says how many units of ``quote`` one unit of ``base`` buys on ``day`` (the ECB's
reference rates: base EUR). Between two currencies neither of which is quoted against the
other, the rate goes through the pivot, EUR, as the ECB's own cross rates do. A day without a
rate (a weekend, a TARGET holiday) takes the latest earlier one no older than the allowed age;
beyond it the conversion is missing, and the total says so rather than guess.
"""

from __future__ import annotations

import bisect
import csv
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

import pycountry

from flashsale.kernel.errors import InvalidInput

PIVOT = "EUR"
ECB = "ecb"
DEFAULT_MAX_AGE_DAYS = 4  # Friday's rate serves Saturday to Monday; Easter spans four days
_CODE = re.compile(r"^[A-Z]{3}$")
MAX_RATE = Decimal("1000000000")
MAX_ERRORS_SHOWN = 20


def check_currency(code: str, what: str = "currency") -> str:
    """An ISO 4217 code (upper case), or InvalidInput."""
    if not _CODE.fullmatch(code) or pycountry.currencies.get(alpha_3=code) is None:
        raise InvalidInput(f"{what}: {code[:40]!r} is not an ISO 4217 currency code")
    return code


@dataclass(frozen=True, slots=True, order=True)
class FxRate:
    day: date
    base: str
    quote: str
    rate: Decimal
    source: str = ECB

    def __post_init__(self) -> None:
        if self.base == self.quote:
            raise InvalidInput(f"a rate of {self.base} to itself is 1, not stored")
        if not self.rate.is_finite() or not 0 < self.rate <= MAX_RATE:
            raise InvalidInput(f"rate {self.rate}: a positive number up to {MAX_RATE}")


@dataclass(frozen=True, slots=True, order=True)
class Missing:
    """A (currency, day) the report could not convert."""

    currency: str
    day: date


@dataclass
class RateBook:
    """The rates a question needs, resolved by day with the fallback of ``max_age`` days."""

    rates: Iterable[FxRate]
    max_age: int = DEFAULT_MAX_AGE_DAYS
    _by_pair: dict[tuple[str, str], tuple[list[date], list[Decimal]]] = field(
        init=False, default_factory=dict
    )
    _memo: dict[tuple[str, str, date], Decimal | None] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        grouped: dict[tuple[str, str], list[tuple[date, Decimal]]] = {}
        for rate in self.rates:
            grouped.setdefault((rate.base, rate.quote), []).append((rate.day, rate.rate))
        for pair, found in grouped.items():
            found.sort()
            self._by_pair[pair] = ([d for d, _ in found], [r for _, r in found])

    def _dated(self, base: str, quote: str, day: date) -> Decimal | None:
        """The pair's rate on the day, or its latest within the allowed age; direct or
        inverse."""
        direct = self._lookup((base, quote), day)
        if direct is not None:
            return direct
        inverse = self._lookup((quote, base), day)
        return None if inverse is None else 1 / inverse

    def _lookup(self, pair: tuple[str, str], day: date) -> Decimal | None:
        found = self._by_pair.get(pair)
        if found is None:
            return None
        days, values = found
        at = bisect.bisect_right(days, day) - 1
        if at < 0 or day - days[at] > timedelta(days=self.max_age):
            return None
        return values[at]

    def rate(self, source: str, target: str, day: date) -> Decimal | None:
        """Units of ``target`` per unit of ``source`` on ``day``; None when no rate in the
        allowed age can say."""
        if source == target:
            return Decimal(1)
        key = (source, target, day)
        if key in self._memo:
            return self._memo[key]
        found = self._dated(source, target, day)
        if found is None and PIVOT not in (source, target):
            to_pivot = self._dated(source, PIVOT, day)
            from_pivot = self._dated(PIVOT, target, day)
            if to_pivot is not None and from_pivot is not None:
                found = to_pivot * from_pivot
        self._memo[key] = found
        return found


@dataclass(frozen=True, slots=True)
class RateFile:
    rates: list[FxRate]
    days: int
    currencies: list[str]


def parse_ecb_history(text: str, source: str = ECB) -> RateFile:
    """The ECB's history file (``eurofxref-hist.csv``): ``Date,USD,JPY,...`` then one line a
    day of EUR rates, ``N/A`` where a currency had none that day.

    Every bad line is reported by its number, and none of the file is taken: a half-imported
    history would convert some days at rates the operator never meant.
    """
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
    except StopIteration:
        raise InvalidInput("the file is empty: expected the ECB header Date,USD,JPY,...") from None
    names = [h.strip() for h in header]
    if not names or names[0].lstrip("\ufeff") != "Date":
        raise InvalidInput("line 1: expected the ECB header Date,USD,JPY,...")
    columns: list[tuple[int, str]] = []
    errors: list[str] = []
    for at, name in enumerate(names[1:], start=1):
        if not name:
            continue  # the ECB's lines end with a comma
        if not _CODE.fullmatch(name):
            errors.append(f"line 1: column {at + 1} {name[:20]!r} is not a currency code")
            continue
        columns.append((at, name))
    rates: list[FxRate] = []
    seen: set[date] = set()
    for line, row in enumerate(reader, start=2):
        if not row or all(not cell.strip() for cell in row):
            continue
        try:
            day = date.fromisoformat(row[0].strip())
        except ValueError:
            errors.append(f"line {line}: {row[0][:20]!r} is not a date (YYYY-MM-DD)")
            continue
        if day in seen:
            errors.append(f"line {line}: {day} is given twice")
            continue
        seen.add(day)
        for at, currency in columns:
            cell = row[at].strip() if at < len(row) else ""
            if cell in ("", "N/A"):
                continue
            try:
                rates.append(FxRate(day, PIVOT, currency, Decimal(cell), source))
            except (InvalidOperation, InvalidInput):
                errors.append(f"line {line}: {currency} {cell[:20]!r} is not a positive rate")
    if errors:
        shown = "; ".join(errors[:MAX_ERRORS_SHOWN])
        more = len(errors) - MAX_ERRORS_SHOWN
        tail = f"; and {more} more" if more > 0 else ""
        raise InvalidInput(f"{len(errors)} bad lines, nothing imported: {shown}{tail}")
    return RateFile(rates, len(seen), sorted({c for _, c in columns}))


def rates_by_day(rates: Sequence[FxRate]) -> Mapping[date, list[FxRate]]:
    found: dict[date, list[FxRate]] = {}
    for rate in rates:
        found.setdefault(rate.day, []).append(rate)
    return found
