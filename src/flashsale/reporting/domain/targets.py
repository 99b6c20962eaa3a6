"""Targets: "100 million phones in 2018", and how far along the road to them the shop is.

Progress counts the days of the period in the target's own calendar (its market's time zone,
UTC for a target over every market): the days gone include today, which is under way. The
run-rate forecast carries on at the average of the days gone; the seasonal forecast, asked
for explicitly, assumes the rest of the period keeps last year's shape (this year's share of
last year's same days, applied to last year's whole period).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_EVEN, Decimal

from flashsale.kernel.errors import InvalidInput
from flashsale.reporting.domain.periods import Grain, Period, parse_period
from flashsale.reporting.domain.questions import Metric, check_channel, check_market

TARGET_GRAINS = (Grain.YEAR, Grain.QUARTER, Grain.MONTH)
MAX_TARGET = Decimal("1000000000000000")


@dataclass(frozen=True, slots=True)
class Target:
    id: str
    period: str  # "2018", "2018-Q3", "2018-09"
    market: str | None
    channel: str | None
    metric: Metric
    value: Decimal
    created_at: datetime

    @property
    def span(self) -> Period:
        return parse_period(self.period)


def check_target(period: str, market: str | None, channel: str | None, value: Decimal) -> Period:
    """The period a target may be set for, or InvalidInput."""
    span = parse_period(period)
    if span.grain not in TARGET_GRAINS:
        raise InvalidInput(
            f"period: {period[:40]!r}: a target is for a year, a quarter or a month"
            " (2018, 2018-Q3, 2018-09)"
        )
    check_market(market)
    check_channel(channel)
    if not value.is_finite() or not 0 < value <= MAX_TARGET:
        raise InvalidInput(f"value: a positive number up to {MAX_TARGET}")
    return span


@dataclass(frozen=True, slots=True)
class Progress:
    target: Target
    today: date
    achieved: Decimal
    percent: Decimal
    days_total: int
    days_gone: int
    days_left: int
    daily_rate_needed: Decimal | None  # None once the period is over
    forecast: Decimal
    forecast_method: str  # "run-rate" or "seasonal"
    on_track: bool
    last_year_same_days: Decimal | None = None
    last_year_total: Decimal | None = None


def _round(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), ROUND_HALF_EVEN)


def progress(
    target: Target,
    today: date,
    achieved: Decimal,
    *,
    last_year_same_days: Decimal | None = None,
    last_year_total: Decimal | None = None,
) -> Progress:
    """Where the target stands on ``today`` with ``achieved`` so far. Given last year's same
    days and whole period, the forecast follows last year's shape; else the run rate."""
    span = target.span
    total = span.days
    if today < span.first:
        gone = 0
    elif today > span.last:
        gone = total
    else:
        gone = (today - span.first).days + 1
    left = total - gone
    needed = None if left == 0 else _round(max(Decimal(0), target.value - achieved) / left)
    if gone == 0:
        forecast, method = Decimal(0), "run-rate"
    elif last_year_same_days and last_year_total is not None:
        forecast, method = achieved * last_year_total / last_year_same_days, "seasonal"
    else:
        forecast, method = achieved * total / gone, "run-rate"
    percent = _round(achieved * 100 / target.value)
    return Progress(
        target,
        today,
        achieved,
        percent,
        total,
        gone,
        left,
        needed,
        _round(forecast),
        method,
        forecast >= target.value,
        last_year_same_days,
        last_year_total,
    )
