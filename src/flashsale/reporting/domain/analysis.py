"""Records and growth: the questions the brand's own announcements answer ("10 million in
September, the highest so far"; "23.16 million in Q2, +70 % on the quarter")."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal

from flashsale.reporting.domain.periods import Grain, Period, period_of
from flashsale.reporting.domain.questions import Metric, ReportRow


@dataclass(frozen=True, slots=True)
class Point:
    period: Period
    value: Decimal
    incomplete: bool = False


def value_of(row: ReportRow, metric: Metric, currency: str) -> Decimal:
    if metric is Metric.REVENUE:
        return row.reporting_amount(currency)
    if metric is Metric.UNITS_SHIPPED:
        return Decimal(row.units_shipped)
    if metric is Metric.UNITS_SOLD:
        return Decimal(row.units_sold)
    return Decimal(row.orders)


def series(rows: Sequence[ReportRow], metric: Metric, currency: str) -> dict[date, Point]:
    """One point per period (rows of one period, whatever their dimensions, summed)."""
    points: dict[date, Point] = {}
    for row in rows:
        value = value_of(row, metric, currency)
        known = points.get(row.period.first)
        if known is not None:
            value += known.value
        incomplete = row.incomplete or (known is not None and known.incomplete)
        points[row.period.first] = Point(row.period, value, incomplete)
    return points


@dataclass(frozen=True, slots=True)
class Records:
    best: Point | None  # the best period ever
    previous_record: Point | None  # the record the best one broke
    current: Point  # the period today falls in, so far
    record_before_current: Point | None  # what the current period has to beat
    beating: bool  # the current period is beyond every earlier one


def records(points: Mapping[date, Point], today: date, grain: Grain) -> Records:
    ordered = [points[first] for first in sorted(points)]
    best: Point | None = None
    previous: Point | None = None
    for point in ordered:
        if point.value > 0 and (best is None or point.value > best.value):
            previous, best = best, point
    now = period_of(today, grain)
    current = points.get(now.first, Point(now, Decimal(0)))
    earlier = [p for p in ordered if p.period.first < now.first and p.value > 0]
    to_beat = max(earlier, key=lambda p: p.value, default=None)
    beating = current.value > 0 and (to_beat is None or current.value > to_beat.value)
    return Records(best, previous, current, to_beat, beating)


@dataclass(frozen=True, slots=True)
class Growth:
    point: Point
    previous: Point
    change_pct: Decimal | None  # on the previous period (QoQ for quarters, YoY for years)
    year_ago: Point
    yoy_pct: Decimal | None


def percent_change(value: Decimal, before: Decimal) -> Decimal | None:
    if before == 0:
        return None
    return ((value - before) * 100 / before).quantize(Decimal("0.1"), ROUND_HALF_EVEN)


def growth(points: Mapping[date, Point], first: date, last: date, grain: Grain) -> list[Growth]:
    """Each period from ``first`` to ``last`` beside the one before it and a year before."""
    found: list[Growth] = []
    period = period_of(first, grain)
    while period.first <= last:
        point = points.get(period.first, Point(period, Decimal(0)))
        before = period.previous()
        previous = points.get(before.first, Point(before, Decimal(0)))
        ago = period.year_before()
        year_ago = points.get(ago.first, Point(ago, Decimal(0)))
        found.append(
            Growth(
                point,
                previous,
                percent_change(point.value, previous.value),
                year_ago,
                percent_change(point.value, year_ago.value),
            )
        )
        period = period.following()
    return found
