"""Business calendars: when a market's desk works, in its own time zone, less its public
holidays (the ``holidays`` package's, by country, plus any the operator adds).

SLA targets count business time: a first response due "in 4 business hours" of a case opened
on Friday at 17:00 in Beijing falls on Monday at 12:00, and on Labour Day week later still.
"""

from __future__ import annotations

import functools
import itertools
import re
import zoneinfo
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from flashsale.kernel.errors import InvalidInput

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# How far a due time may be searched for: a calendar with no working hours at all must fail,
# not loop.
MAX_SEARCH_DAYS = 3 * 366
_SPAN = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])-([01][0-9]|2[0-4]):([0-5][0-9])$")

Span = tuple[time, time]  # start, end on one local day; end time(0) never: 24:00 is time.max


def parse_span(text: str) -> Span:
    """``09:00-18:00`` (``24:00`` ends at midnight)."""
    found = _SPAN.fullmatch(text.strip())
    if found is None:
        raise InvalidInput(f"{text[:20]!r} is not a span of hours such as 09:00-18:00")
    start = time(int(found[1]), int(found[2]))
    end = time.max if found[3] == "24" else time(int(found[3]), int(found[4]))
    if found[3] == "24" and found[4] != "00":
        raise InvalidInput(f"{text[:20]!r}: 24:00 is the latest end")
    if end <= start:
        raise InvalidInput(f"{text[:20]!r} ends before it starts")
    return start, end


def span_text(span: Span) -> str:
    end = "24:00" if span[1] == time.max else span[1].strftime("%H:%M")
    return f"{span[0].strftime('%H:%M')}-{end}"


@dataclass(frozen=True, slots=True)
class Calendar:
    """A market's working week and holidays. ``weekly`` maps mon..sun to the day's spans."""

    market: str
    timezone: str
    weekly: Mapping[str, tuple[Span, ...]]
    holiday_country: str | None = None  # ISO 3166-1, for the ``holidays`` package
    extra_holidays: frozenset[date] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        try:
            zoneinfo.ZoneInfo(self.timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise InvalidInput(f"{self.timezone[:64]!r} is not an IANA time zone") from None
        unknown = sorted(set(self.weekly) - set(WEEKDAYS))
        if unknown:
            raise InvalidInput(f"no weekday {', '.join(unknown)}: mon, tue … sun")
        if self.holiday_country is not None and self.holiday_country not in _countries():
            raise InvalidInput(f"the holidays package knows no country {self.holiday_country!r}")

    @classmethod
    def of(
        cls,
        market: str,
        timezone: str,
        weekly: Mapping[str, Iterable[str]],
        holiday_country: str | None = None,
        extra_holidays: Iterable[date] = (),
    ) -> Calendar:
        given = {day.lower(): list(v) for day, v in weekly.items()}
        unknown = sorted(set(given) - set(WEEKDAYS))
        if unknown:
            raise InvalidInput(f"no weekday {', '.join(unknown)}: mon, tue … sun")
        # Every day named, a day off with no spans: one spelling per week, stored as read.
        spans = {day: tuple(sorted(parse_span(s) for s in given.get(day, ()))) for day in WEEKDAYS}
        for day, found in spans.items():
            for before, after in itertools.pairwise(found):
                if after[0] < before[1]:
                    raise InvalidInput(f"{day}: {span_text(before)} and {span_text(after)} overlap")
        return cls(market, timezone, spans, holiday_country, frozenset(extra_holidays))

    @classmethod
    def office_hours(cls, market: str, timezone: str, country: str | None = None) -> Calendar:
        """Monday to Friday, 09:00 to 18:00, the country's holidays off."""
        weekday = ("09:00-18:00",)
        return cls.of(market, timezone, dict.fromkeys(WEEKDAYS[:5], weekday), country)

    def weekly_text(self) -> dict[str, list[str]]:
        return {day: [span_text(s) for s in self.weekly.get(day, ())] for day in WEEKDAYS}

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    def is_holiday(self, day: date) -> bool:
        if day in self.extra_holidays:
            return True
        return self.holiday_country is not None and day in _holidays(self.holiday_country, day.year)

    def spans_on(self, day: date) -> list[tuple[datetime, datetime]]:
        """The day's working spans as UTC instants (none on a holiday)."""
        if self.is_holiday(day):
            return []
        zone = self.zone
        found = []
        for start, end in self.weekly.get(WEEKDAYS[day.weekday()], ()):
            begins = datetime.combine(day, start, zone).astimezone(UTC)
            ends = (
                datetime.combine(day + timedelta(days=1), time(0), zone)
                if end == time.max
                else datetime.combine(day, end, zone)
            ).astimezone(UTC)
            found.append((begins, ends))
        return found

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The moment ``duration`` of working time after ``start``."""
        left = duration
        day = start.astimezone(self.zone).date() - timedelta(days=1)
        for _ in range(MAX_SEARCH_DAYS):
            for begins, ends in self.spans_on(day):
                if ends <= start:
                    continue
                frm = max(begins, start)
                if frm + left <= ends:
                    return frm + left
                left -= ends - frm
            day += timedelta(days=1)
        raise InvalidInput(f"the calendar of {self.market} has no working hours to count on")

    def between(self, start: datetime, end: datetime) -> timedelta:
        """Working time from ``start`` to ``end`` (zero when end is not after start)."""
        total = timedelta(0)
        if end <= start:
            return total
        day = start.astimezone(self.zone).date() - timedelta(days=1)
        last = end.astimezone(self.zone).date() + timedelta(days=1)
        while day <= last:
            for begins, ends in self.spans_on(day):
                frm, to = max(begins, start), min(ends, end)
                if to > frm:
                    total += to - frm
            day += timedelta(days=1)
        return total


# Calendar time: every hour counts (an SLA policy not on business hours).
class AlwaysOpen:
    def add(self, start: datetime, duration: timedelta) -> datetime:
        return start + duration

    def between(self, start: datetime, end: datetime) -> timedelta:
        return max(end - start, timedelta(0))


@functools.cache
def _countries() -> frozenset[str]:
    import holidays  # a large package: imported when a calendar is first asked

    return frozenset(holidays.list_supported_countries())


@functools.lru_cache(maxsize=256)
def _holidays(country: str, year: int) -> frozenset[date]:
    import holidays

    return frozenset(holidays.country_holidays(country, years=year).keys())
