"""Exchange rates: imported from the ECB's history or put by hand, and the book a report
converts with.

Conversion happens when a question is asked, from the facts (each in its market's currency,
on its day) and the rates stored for those days: a rate entered later for a past day restates
every total that day is in, at the next question, with nothing to recompute or forget.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal

from flashsale.kernel.clock import Clock
from flashsale.kernel.errors import InvalidInput
from flashsale.reporting.domain.conversion import factor_table
from flashsale.reporting.domain.fx import (
    DEFAULT_MAX_AGE_DAYS,
    PIVOT,
    FxRate,
    RateBook,
    RateFile,
    check_currency,
    parse_ecb_history,
)
from flashsale.reporting.ports import ReportingRepository

MAX_RATES_PUT = 10_000
MAX_FACTOR_TABLES_KEPT = 16


class ExchangeRates:
    def __init__(
        self,
        repository: ReportingRepository,
        clock: Clock,
        *,
        max_age_days: int = DEFAULT_MAX_AGE_DAYS,
    ) -> None:
        self._repository = repository
        self._clock = clock
        self.max_age_days = max_age_days
        # The last book read, with the stamp of the rates it was read at and what it covers:
        # a question asked again (a dashboard's every refresh) reads no rate.
        self._cached: tuple[tuple[int, datetime | None], frozenset[str], date, date, RateBook]
        self._cached = ((-1, None), frozenset(), date.max, date.min, RateBook(()))
        # The factor tables of the last questions, by what they were made of: the book they
        # came from (a new stamp is a new book), the currencies, the target and the days.
        self._factors: dict[tuple[object, ...], dict[tuple[str, date], Decimal]] = {}

    async def import_ecb(self, text: str, source: str = "ecb") -> RateFile:
        """The ECB history file, all of it or nothing (bad lines listed by number)."""
        parsed = parse_ecb_history(text, source)
        await self._repository.put_fx_rates(parsed.rates, self._clock.now())
        return parsed

    async def put(self, rates: Sequence[FxRate]) -> int:
        if not rates:
            raise InvalidInput("rates: give at least one")
        if len(rates) > MAX_RATES_PUT:
            raise InvalidInput(f"rates: at most {MAX_RATES_PUT} at once; import a file for more")
        for rate in rates:
            check_currency(rate.base, "base")
            check_currency(rate.quote, "quote")
        return await self._repository.put_fx_rates(rates, self._clock.now())

    async def book(self, currencies: Sequence[str], first: date, last: date) -> RateBook:
        """The rates converting between these currencies on days in [first, last]."""
        wanted = frozenset({*currencies, PIVOT})
        since = first - timedelta(days=self.max_age_days)
        stamp = await self._repository.fx_version()
        kept_stamp, kept_currencies, kept_first, kept_last, kept = self._cached
        if (
            stamp == kept_stamp
            and wanted <= kept_currencies
            and kept_first <= since
            and last <= kept_last
        ):
            return kept
        rates = await self._repository.fx_rates(sorted(wanted), since, last)
        book = RateBook(rates, self.max_age_days)
        self._cached = (stamp, wanted, since, last, book)
        self._factors.clear()
        return book

    async def factors(
        self, currencies: Sequence[str], target: str, first: date, last: date
    ) -> dict[tuple[str, date], Decimal]:
        """Units of ``target`` per unit of each currency on each day of [first, last], where
        a rate within the allowed age says (``domain/conversion.py``)."""
        book = await self.book([*currencies, target], first, last)
        key = (id(book), frozenset(currencies), target, first, last)
        found = self._factors.get(key)
        if found is None:
            if len(self._factors) >= MAX_FACTOR_TABLES_KEPT:
                self._factors.clear()
            found = self._factors[key] = factor_table(book, currencies, target, first, last)
        return found
