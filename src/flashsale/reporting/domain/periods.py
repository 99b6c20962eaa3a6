"""Periods of the calendar: the grains a report is cut in, and the names people write them in.

A period is named as people write it: ``2017`` (a year), ``2017-Q2`` (a quarter), ``2017-09``
(a month), ``2017-W36`` (an ISO week), ``2017-09-14`` (a day). Days are the market's own, so a
period is a range of market-local days.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import date, timedelta

from flashsale.kernel.errors import InvalidInput


class Grain(enum.StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"

    @classmethod
    def parse(cls, text: str, allowed: tuple[Grain, ...] | None = None) -> Grain:
        choices = allowed or tuple(cls)
        names = ", ".join(g.value for g in choices)
        try:
            grain = cls(text)
        except ValueError:
            raise InvalidInput(f"grain: no grain {text[:40]!r}; the allowed: {names}") from None
        if grain not in choices:
            raise InvalidInput(f"grain: {grain} is not allowed here; the allowed: {names}")
        return grain


@dataclass(frozen=True, slots=True, order=True)
class Period:
    first: date
    last: date
    grain: Grain

    @property
    def name(self) -> str:
        return period_name(self.first, self.grain)

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def previous(self) -> Period:
        return period_of(self.first - timedelta(days=1), self.grain)

    def year_before(self) -> Period:
        """The same period a year earlier (week 53 falls back to the year's last week)."""
        if self.grain is Grain.DAY:
            try:
                return period_of(self.first.replace(year=self.first.year - 1), self.grain)
            except ValueError:  # 29 February
                return period_of(self.first - timedelta(days=366), self.grain)
        if self.grain is Grain.WEEK:
            return period_of(self.first - timedelta(weeks=52), self.grain)
        return period_of(self.first.replace(year=self.first.year - 1), self.grain)

    def following(self) -> Period:
        return period_of(self.last + timedelta(days=1), self.grain)


def period_start(day: date, grain: Grain) -> date:
    if grain is Grain.DAY:
        return day
    if grain is Grain.WEEK:
        return day - timedelta(days=day.weekday())
    if grain is Grain.MONTH:
        return day.replace(day=1)
    if grain is Grain.QUARTER:
        return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    return date(day.year, 1, 1)


def period_of(day: date, grain: Grain) -> Period:
    first = period_start(day, grain)
    if grain is Grain.DAY:
        last = first
    elif grain is Grain.WEEK:
        last = first + timedelta(days=6)
    elif grain is Grain.MONTH:
        last = _month_after(first) - timedelta(days=1)
    elif grain is Grain.QUARTER:
        last = _month_after(_month_after(_month_after(first))) - timedelta(days=1)
    else:
        last = date(first.year, 12, 31)
    return Period(first, last, grain)


def _month_after(first: date) -> date:
    return date(first.year + first.month // 12, first.month % 12 + 1, 1)


def period_name(first: date, grain: Grain) -> str:
    if grain is Grain.DAY:
        return first.isoformat()
    if grain is Grain.WEEK:
        year, week, _ = first.isocalendar()
        return f"{year}-W{week:02d}"
    if grain is Grain.MONTH:
        return f"{first.year}-{first.month:02d}"
    if grain is Grain.QUARTER:
        return f"{first.year}-Q{(first.month - 1) // 3 + 1}"
    return str(first.year)


_SHAPES = (
    (re.compile(r"([0-9]{4})"), Grain.YEAR),
    (re.compile(r"([0-9]{4})-Q([1-4])"), Grain.QUARTER),
    (re.compile(r"([0-9]{4})-(0[1-9]|1[0-2])"), Grain.MONTH),
    (re.compile(r"([0-9]{4})-W(0[1-9]|[1-4][0-9]|5[0-3])"), Grain.WEEK),
    (re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})"), Grain.DAY),
)
PERIOD_SHAPES = "2017, 2017-Q2, 2017-09, 2017-W36 or 2017-09-14"
MIN_YEAR, MAX_YEAR = 1970, 2100


def parse_period(text: str, what: str = "period") -> Period:
    """A period from its name; anything else is refused, saying the shapes."""
    for shape, grain in _SHAPES:
        found = shape.fullmatch(text.strip())
        if found is None:
            continue
        year = int(found[1])
        if not MIN_YEAR <= year <= MAX_YEAR:
            raise InvalidInput(f"{what}: {text[:40]!r}: a year from {MIN_YEAR} to {MAX_YEAR}")
        try:
            if grain is Grain.YEAR:
                first = date(year, 1, 1)
            elif grain is Grain.QUARTER:
                first = date(year, 3 * (int(found[2]) - 1) + 1, 1)
            elif grain is Grain.MONTH:
                first = date(year, int(found[2]), 1)
            elif grain is Grain.WEEK:
                first = date.fromisocalendar(year, int(found[2]), 1)
            else:
                first = date(year, int(found[2]), int(found[3]))
        except ValueError:
            break
        return period_of(first, grain)
    raise InvalidInput(f"{what}: {text[:40]!r} is not a period such as {PERIOD_SHAPES}")


def periods_between(first: date, last: date, grain: Grain) -> list[Period]:
    """Every period of the grain that meets [first, last], in order."""
    found: list[Period] = []
    day = first
    while day <= last:
        period = period_of(day, grain)
        found.append(period)
        day = period.last + timedelta(days=1)
    return found
