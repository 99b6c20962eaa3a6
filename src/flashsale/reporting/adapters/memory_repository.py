"""``ReportingRepository`` in a Python process (``record/memory_store.py`` composes it)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from flashsale.kernel.errors import Conflict
from flashsale.orders.domain.events import EventCursor
from flashsale.reporting.domain.conversion import ConvertedFacts, Factors, Periods, convert
from flashsale.reporting.domain.facts import WIDTH, FactKey, SaleProgress
from flashsale.reporting.domain.fx import FxRate
from flashsale.reporting.domain.questions import Dimension, FactRow, Rehearsals
from flashsale.reporting.domain.targets import Target


def _wanted(is_rehearsal: bool, rehearsals: Rehearsals) -> bool:
    if rehearsals is Rehearsals.INCLUDE:
        return True
    return is_rehearsal == (rehearsals is Rehearsals.ONLY)


class _Copy:
    def __init__(self) -> None:
        self.cursor: EventCursor | None = None
        self.facts: dict[FactKey, list[int]] = {}
        self.progress: dict[str, SaleProgress] = {}


class MemoryReportingRepository:
    def __init__(self) -> None:
        super().__init__()
        self._report_live = _Copy()
        self._report_shadow = _Copy()
        self._report_fx: dict[tuple[date, str, str], FxRate] = {}
        self._report_fx_stamp: tuple[int, datetime | None] = (0, None)
        self._report_targets: dict[str, Target] = {}
        self._report_rehearsals: dict[str, datetime] = {}

    def _report_copy(self, shadow: bool) -> _Copy:
        return self._report_shadow if shadow else self._report_live

    async def report_cursor(self, shadow: bool = False) -> EventCursor | None:
        return self._report_copy(shadow).cursor

    async def apply_facts(
        self,
        expected: EventCursor | None,
        cursor: EventCursor,
        facts: Mapping[FactKey, Sequence[int]],
        progress: Sequence[SaleProgress],
        *,
        shadow: bool = False,
    ) -> bool:
        copy = self._report_copy(shadow)
        if copy.cursor != expected:
            return False
        for key, counts in facts.items():
            kept = copy.facts.setdefault(key, [0] * WIDTH)
            for i, n in enumerate(counts):
                kept[i] += n
        for moved in progress:
            copy.progress[moved.sale_id] = dataclasses.replace(moved)
        copy.cursor = cursor
        return True

    async def add_facts(self, facts: Mapping[FactKey, Sequence[int]]) -> None:
        for key, counts in facts.items():
            kept = self._report_live.facts.setdefault(key, [0] * WIDTH)
            for i, n in enumerate(counts):
                kept[i] += n

    async def sale_progress(
        self, sale_ids: Sequence[str], *, shadow: bool = False
    ) -> dict[str, SaleProgress]:
        kept = self._report_copy(shadow).progress
        return {s: dataclasses.replace(kept[s]) for s in sale_ids if s in kept}

    async def paid_among(self, order_ids: Sequence[str]) -> set[str]:
        # The composed store's orders keep their payments here (MemoryOrderRepository).
        payments: Mapping[str, Any] = getattr(self, "_payments", {})
        return {order_id for order_id in order_ids if order_id in payments}

    async def fact_rows(
        self,
        first: date,
        last: date,
        by: Sequence[Dimension],
        rehearsals: Rehearsals,
        market: str | None = None,
        channel: str | None = None,
    ) -> list[FactRow]:
        summed: dict[tuple[Any, ...], list[int]] = {}
        for key, counts in self._report_live.facts.items():
            if not first <= key.day <= last or not _wanted(key.is_rehearsal, rehearsals):
                continue
            if (market is not None and key.market != market) or (
                channel is not None and key.channel != channel
            ):
                continue
            group = (
                key.day,
                key.market if Dimension.MARKET in by else None,
                key.channel if Dimension.CHANNEL in by else None,
                key.sku if Dimension.SKU in by else None,
                key.currency,
            )
            kept = summed.setdefault(group, [0] * WIDTH)
            for i, n in enumerate(counts):
                kept[i] += n
        return [(*group, *counts) for group, counts in sorted(summed.items())]

    async def convert_facts(
        self,
        first: date,
        last: date,
        by: Sequence[Dimension],
        rehearsals: Rehearsals,
        market: str | None,
        channel: str | None,
        periods: Periods,
        factors: Factors,
    ) -> ConvertedFacts:
        facts = await self.fact_rows(first, last, by, rehearsals, market, channel)
        return convert(facts, periods, factors)

    async def fact_currencies(self, first: date, last: date) -> set[str]:
        return {k.currency for k in self._report_live.facts if first <= k.day <= last}

    async def fact_span(self) -> tuple[date, date] | None:
        days = [key.day for key in self._report_live.facts]
        return (min(days), max(days)) if days else None

    async def all_facts(self, *, shadow: bool = False) -> dict[FactKey, tuple[int, ...]]:
        return {key: tuple(counts) for key, counts in self._report_copy(shadow).facts.items()}

    async def all_progress(self, *, shadow: bool = False) -> dict[str, SaleProgress]:
        return {s: dataclasses.replace(p) for s, p in self._report_copy(shadow).progress.items()}

    async def clear_shadow(self) -> None:
        self._report_shadow = _Copy()

    async def swap_shadow(self, cursor: EventCursor) -> bool:
        if self._report_live.cursor != cursor or self._report_shadow.cursor != cursor:
            return False
        self._report_live, self._report_shadow = self._report_shadow, _Copy()
        return True

    async def sellouts(self, rehearsals: Rehearsals, limit: int) -> list[SaleProgress]:
        done = [
            dataclasses.replace(p)
            for p in self._report_live.progress.values()
            if p.sold_out_at is not None and _wanted(p.is_rehearsal, rehearsals)
        ]
        done.sort(key=lambda p: (p.seconds_to_sell_out, p.sale_id))
        return done[:limit]

    async def put_fx_rates(self, rates: Sequence[FxRate], at: datetime) -> int:
        for rate in rates:
            self._report_fx[(rate.day, rate.base, rate.quote)] = rate
        self._report_fx_stamp = (len(self._report_fx), at)
        return len(rates)

    async def fx_rates(self, currencies: Sequence[str], first: date, last: date) -> list[FxRate]:
        wanted = set(currencies)
        return sorted(
            rate
            for rate in self._report_fx.values()
            if first <= rate.day <= last and rate.base in wanted and rate.quote in wanted
        )

    async def fx_version(self) -> tuple[int, datetime | None]:
        return self._report_fx_stamp

    async def add_target(self, target: Target) -> None:
        for kept in self._report_targets.values():
            if (kept.period, kept.market, kept.channel, kept.metric) == (
                target.period,
                target.market,
                target.channel,
                target.metric,
            ):
                raise Conflict(f"a {target.metric} target for {target.period} exists: {kept.id}")
        self._report_targets[target.id] = target

    async def target(self, target_id: str) -> Target | None:
        return self._report_targets.get(target_id)

    async def targets(self) -> list[Target]:
        return sorted(self._report_targets.values(), key=lambda t: (t.period, t.id))

    async def mark_rehearsal(self, sale_id: str, at: datetime) -> bool:
        if sale_id in self._report_rehearsals:
            return False
        self._report_rehearsals[sale_id] = at
        return True

    async def rehearsal_sales(self) -> set[str]:
        return set(self._report_rehearsals)
