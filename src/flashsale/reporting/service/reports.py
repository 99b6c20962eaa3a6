"""The questions operators ask of the facts: sales over time, records, growth, sell-outs.

Every answer is read from the daily facts in one query that sums them by period and converts
each day at that day's rate (``domain/conversion.py``, ``rates.py``): never a scan of orders,
never today's rate.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from flashsale.kernel.clock import Clock
from flashsale.kernel.errors import InvalidInput, NotFound
from flashsale.reporting.domain import history
from flashsale.reporting.domain.analysis import Growth, Point, Records, growth, records, series
from flashsale.reporting.domain.conversion import day_periods
from flashsale.reporting.domain.facts import SaleProgress, local_day
from flashsale.reporting.domain.fx import check_currency
from flashsale.reporting.domain.periods import Grain
from flashsale.reporting.domain.questions import (
    Dimension,
    Metric,
    Rehearsals,
    SalesAnswer,
    SalesQuestion,
    assemble,
    check_channel,
    check_market,
    parse_dimensions,
    parse_range,
)
from flashsale.reporting.ports import MarketLister, ReportingRepository, SaleLister
from flashsale.reporting.service.rates import ExchangeRates

RECORD_GRAINS = (Grain.DAY, Grain.MONTH, Grain.QUARTER)
GROWTH_GRAINS = (Grain.QUARTER, Grain.YEAR)
MAX_SELLOUTS = 1000
MAX_PERIOD_TABLES_KEPT = 16
RECORD_METRICS = (Metric.UNITS_SHIPPED, Metric.UNITS_SOLD, Metric.REVENUE)


class Reports:
    def __init__(
        self,
        repository: ReportingRepository,
        rates: ExchangeRates,
        sales: SaleLister,
        markets: MarketLister,
        clock: Clock,
        *,
        reporting_currency: str = "USD",
    ) -> None:
        self._repository = repository
        self._rates = rates
        self._sales = sales
        self._markets = markets
        self._clock = clock
        self.reporting_currency = check_currency(reporting_currency, "reporting currency")
        self._day_periods: dict[tuple[date, date, Grain], dict[date, date]] = {}

    def _currency(self, currency: str | None) -> str:
        return check_currency(currency) if currency else self.reporting_currency

    async def today(self, market: str | None = None) -> date:
        """Today in the market's calendar (UTC's for every market at once)."""
        zone = "UTC"
        if market is not None:
            found = {m.code: m for m in await self._markets.markets()}.get(market)
            if found is not None:
                zone = found.timezone
        return local_day(self._clock.now(), zone)

    async def ask(self, question: SalesQuestion) -> SalesAnswer:
        first, last = question.first, question.last
        currencies = sorted(await self._repository.fact_currencies(first, last))
        factors = await self._rates.factors(currencies, question.currency, first, last)
        converted = await self._repository.convert_facts(
            first,
            last,
            question.by,
            question.rehearsals,
            question.market,
            question.channel,
            self._periods(first, last, question.grain),
            factors,
        )
        return assemble(question, converted)

    def _periods(self, first: date, last: date, grain: Grain) -> dict[date, date]:
        key = (first, last, grain)
        found = self._day_periods.get(key)
        if found is None:
            if len(self._day_periods) >= MAX_PERIOD_TABLES_KEPT:
                self._day_periods.clear()
            found = self._day_periods[key] = day_periods(first, last, grain)
        return found

    async def sales(
        self,
        grain: str = "month",
        by: str | None = None,
        first: str | None = None,
        last: str | None = None,
        currency: str | None = None,
        rehearsals: str = "exclude",
        market: str | None = None,
        channel: str | None = None,
    ) -> SalesAnswer:
        """``GET /reports/sales``: every argument as the query gives it, checked here."""
        chosen = Grain.parse(grain)
        dimensions = parse_dimensions(by)
        start, end = parse_range(first, last, await self.today())
        question = SalesQuestion(
            chosen,
            dimensions,
            start,
            end,
            self._currency(currency),
            Rehearsals.parse(rehearsals),
            check_market(market),
            check_channel(channel),
        )
        return await self.ask(question)

    async def _points(
        self,
        metric: Metric,
        grain: Grain,
        first: date,
        last: date,
        market: str | None,
        channel: str | None,
        currency: str,
        rehearsals: Rehearsals,
    ) -> dict[date, Point]:
        by: tuple[Dimension, ...] = ()
        question = SalesQuestion(grain, by, first, last, currency, rehearsals, market, channel)
        return series((await self.ask(question)).rows, metric, currency)

    async def records(
        self,
        metric: str,
        grain: str = "month",
        market: str | None = None,
        channel: str | None = None,
        currency: str | None = None,
        rehearsals: str = "exclude",
    ) -> Records:
        chosen_metric = Metric.parse(metric)
        if chosen_metric not in RECORD_METRICS:
            allowed = ", ".join(m.value for m in RECORD_METRICS)
            raise InvalidInput(f"metric: {metric[:40]!r} has no records; the allowed: {allowed}")
        chosen = Grain.parse(grain, RECORD_GRAINS)
        where = check_market(market)
        today = await self.today(where)
        span = await self._repository.fact_span()
        first = min(span[0], today) if span else today
        last = max(span[1], today) if span else today
        points = await self._points(
            chosen_metric,
            chosen,
            first,
            last,
            where,
            check_channel(channel),
            self._currency(currency),
            Rehearsals.parse(rehearsals),
        )
        return records(points, today, chosen)

    async def growth(
        self,
        metric: str,
        grain: str = "quarter",
        market: str | None = None,
        first: str | None = None,
        last: str | None = None,
        currency: str | None = None,
        rehearsals: str = "exclude",
    ) -> list[Growth]:
        chosen_metric = Metric.parse(metric)
        chosen = Grain.parse(grain, GROWTH_GRAINS)
        where = check_market(market)
        start, end = parse_range(first, last, await self.today(where))
        # A year before the first period too: each period is set beside its year-ago one.
        points = await self._points(
            chosen_metric,
            chosen,
            date(start.year - 1, 1, 1),
            end,
            where,
            None,
            self._currency(currency),
            Rehearsals.parse(rehearsals),
        )
        return growth(points, start, end, chosen)

    async def value(
        self,
        metric: Metric,
        first: date,
        last: date,
        market: str | None,
        channel: str | None,
        currency: str | None = None,
    ) -> Decimal:
        """One metric summed over [first, last] (real sales only)."""
        if last < first:
            return Decimal(0)
        points = await self._points(
            metric,
            Grain.YEAR,
            first,
            last,
            market,
            channel,
            self._currency(currency),
            Rehearsals.EXCLUDE,
        )
        return sum((p.value for p in points.values()), Decimal(0))

    async def sellouts(self, limit: int = 20, rehearsals: str = "exclude") -> list[SaleProgress]:
        if not 1 <= limit <= MAX_SELLOUTS:
            raise InvalidInput(f"limit must be between 1 and {MAX_SELLOUTS}")
        return await self._repository.sellouts(Rehearsals.parse(rehearsals), limit)

    async def mark_rehearsal(self, sale_id: str) -> bool:
        """Keep a sale's orders apart from the real numbers (``rehearsals=only``). Mark a sale
        before it opens: facts already counted move only with ``flashsale report rebuild``."""
        if sale_id not in {sale.id for sale in await self._sales.all()}:
            raise NotFound(f"no sale {sale_id}")
        return await self._repository.mark_rehearsal(sale_id, self._clock.now())

    async def seed_history(self) -> int:
        """The demo's 2014-2017 (``domain/history.py``), as rehearsal facts; the rows added."""
        facts = history.seed_history()
        await self._repository.add_facts(facts)
        return len(facts)
