"""Targets and the road to them: achieved so far, what is left a day, and where the run rate
(or last year's shape) ends the period."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from flashsale.kernel.clock import Clock
from flashsale.kernel.errors import InvalidInput, NotFound
from flashsale.kernel.ids import new_id
from flashsale.reporting.domain.questions import Metric, check_channel, check_market
from flashsale.reporting.domain.targets import Progress, Target, check_target, progress
from flashsale.reporting.ports import ReportingRepository
from flashsale.reporting.service.reports import Reports


def parse_value(value: object) -> Decimal:
    if isinstance(value, bool | float):
        raise InvalidInput('value: a whole number, or a decimal string such as "1000000.00"')
    if not isinstance(value, str | int | Decimal):
        raise InvalidInput("value: a number")
    try:
        return Decimal(str(value).strip())
    except InvalidOperation:
        raise InvalidInput(f"value: {str(value)[:40]!r} is not a number") from None


class Targets:
    def __init__(self, repository: ReportingRepository, reports: Reports, clock: Clock) -> None:
        self._repository = repository
        self._reports = reports
        self._clock = clock

    async def set(
        self,
        period: str,
        metric: str,
        value: object,
        market: str | None = None,
        channel: str | None = None,
    ) -> Target:
        """A new target; Conflict when one of the same period, market, channel and metric
        exists."""
        amount = parse_value(value)
        chosen = Metric.parse(metric)
        span = check_target(period, market, channel, amount)
        target = Target(
            new_id("tgt"),
            span.name,
            check_market(market),
            check_channel(channel),
            chosen,
            amount,
            self._clock.now(),
        )
        await self._repository.add_target(target)
        return target

    async def all(self) -> list[Target]:
        return await self._repository.targets()

    async def get(self, target_id: str) -> Target:
        found = await self._repository.target(target_id)
        if found is None:
            raise NotFound(f"no target {target_id}")
        return found

    async def progress(self, target_id: str, seasonal: bool = False) -> Progress:
        target = await self.get(target_id)
        span = target.span
        today = await self._reports.today(target.market)
        upto = min(today, span.last)
        achieved = await self._value(target, span.first, upto)
        if not seasonal or today < span.first:
            return progress(target, today, achieved)
        ago = span.year_before()
        same_days = await self._value(target, ago.first, ago.first + (upto - span.first))
        whole = await self._value(target, ago.first, ago.last)
        return progress(
            target, today, achieved, last_year_same_days=same_days, last_year_total=whole
        )

    async def _value(self, target: Target, first: date, last: date) -> Decimal:
        return await self._reports.value(target.metric, first, last, target.market, target.channel)
