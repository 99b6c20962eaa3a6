"""A store: an inventory location of kind ``store`` and what only a store has.

Its shelf (the location's ``stock_levels``) is sold at its tills and, where ``pickup`` is on,
held for click & collect; it is never allocated to home delivery unless ``ships_online``
(Saleor #9970: a store is not a DC unless the operator says so). Opening hours are local
wall-clock times in the location's time zone, Monday first.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, time

from flashsale.inventory.domain.location import Location
from flashsale.kernel.errors import InvalidInput

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DEFAULT_PICKUP_DAYS = 7
MAX_PICKUP_DAYS = 60
DEFAULT_TRANSFER_DAYS = 2
MAX_TRANSFER_DAYS = 30
MAX_CLERKS = 500
_SPAN = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])-([01][0-9]|2[0-4]):([0-5][0-9])$")


@dataclass(frozen=True, slots=True)
class DayHours:
    opens: time
    closes: time  # after ``opens``; a store open past midnight is not modelled

    def span(self) -> str:
        return f"{self.opens:%H:%M}-{self.closes:%H:%M}"


Week = tuple[DayHours | None, ...]  # seven days, Monday first; None: closed that day


@dataclass(frozen=True, slots=True)
class StoreProfile:
    code: str  # the location's code
    hours: Week
    pickup: bool = True
    pickup_days: int = DEFAULT_PICKUP_DAYS  # uncollected this long: cancelled (click & collect)
    ships_online: bool = False
    # Click & collect beyond the shelf: a pickup the shelf cannot serve is sent from a DC,
    # ready ``transfer_days`` later than one served from the shelf.
    pickup_by_transfer: bool = False
    transfer_days: int = DEFAULT_TRANSFER_DAYS

    def check_new(self) -> None:
        if len(self.hours) != len(WEEKDAYS):
            raise InvalidInput("hours: one entry per weekday, Monday first")
        for day, hours in zip(WEEKDAYS, self.hours, strict=True):
            if hours is not None and not hours.opens < hours.closes:
                raise InvalidInput(f"hours: {day} closes before it opens")
        if not 1 <= self.pickup_days <= MAX_PICKUP_DAYS:
            raise InvalidInput(f"pickup_days: 1 to {MAX_PICKUP_DAYS}")
        if not 1 <= self.transfer_days <= MAX_TRANSFER_DAYS:
            raise InvalidInput(f"transfer_days: 1 to {MAX_TRANSFER_DAYS}")

    def is_open(self, local: datetime) -> bool:
        """Whether the store is open at this local (its time zone's) wall-clock moment."""
        hours = self.hours[local.weekday()]
        return hours is not None and hours.opens <= local.time() < hours.closes

    def hours_by_day(self) -> dict[str, str | None]:
        return {
            day: None if h is None else h.span()
            for day, h in zip(WEEKDAYS, self.hours, strict=True)
        }


@dataclass(frozen=True, slots=True)
class Store:
    """What the operator and the tills see of a store: its location, profile and clerks."""

    location: Location
    profile: StoreProfile
    clerks: tuple[str, ...] = ()  # staff ids

    @property
    def code(self) -> str:
        return self.location.code


def parse_week(given: Mapping[str, str | None]) -> Week:
    """``{"mon": "10:00-21:00", "sun": None}`` as a week; a day not named is closed."""
    unknown = sorted(set(given) - set(WEEKDAYS))
    if unknown:
        raise InvalidInput(
            f"hours: {', '.join(unknown)[:60]} is not a weekday ({', '.join(WEEKDAYS)})"
        )
    return tuple(_day(day, given.get(day)) for day in WEEKDAYS)


def _day(day: str, text: str | None) -> DayHours | None:
    if text is None or text.strip().lower() in {"", "closed"}:
        return None
    found = _SPAN.fullmatch(text.strip())
    if found is None:
        raise InvalidInput(f"hours: {day} {text[:20]!r} is not HH:MM-HH:MM such as 10:00-21:00")
    oh, om, ch, cm = (int(g) for g in found.groups())
    if ch == 24 and cm:
        raise InvalidInput(f"hours: {day} closes after 24:00")
    # Midnight as a closing time: the last second of the day, so that it comes after opening.
    closes = time(23, 59, 59) if ch == 24 else time(ch, cm)
    return DayHours(time(oh, om), closes)


def week_rows(hours: Week) -> list[list[str] | None]:
    """The week as stored (JSON): ``[["10:00", "21:00"], None, ...]``."""
    return [
        None if h is None else [h.opens.isoformat("minutes"), h.closes.isoformat("seconds")]
        for h in hours
    ]


def week_of(rows: list[list[str] | None]) -> Week:
    return tuple(
        None if r is None else DayHours(time.fromisoformat(r[0]), time.fromisoformat(r[1]))
        for r in rows
    )
