"""Times as a market's customers read them: in the market's time zone, written the way its
locale writes them (as its prices are), the zone named, so that no one mistakes it for their own.

The record keeps every moment in UTC; only the page converts. A market whose stored zone this
server does not know, or a moment that its zone would carry past year 1 or 9999, is shown in
UTC rather than not at all.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.dates import (
    format_date,
    format_datetime,
    format_skeleton,
    format_time,
    get_timezone_name,
)

from flashsale.catalog.market import DEFAULT_TIMEZONE, Market
from flashsale.web.i18n import N_
from flashsale.web.money import FALLBACK_LOCALE


def local_time(
    moment: datetime | None, where: Market | str | None, locale: str | None = None
) -> str:
    """``moment`` in the market's zone (or the zone named by ``where``; None: UTC), written for
    ``locale`` (by default the market's): ``12 May 2015, 10:00:00 AM IST``."""
    if moment is None:
        return ""
    if isinstance(where, Market):
        zone_name, written_in = where.timezone, locale or where.locale
    else:
        zone_name, written_in = where or DEFAULT_TIMEZONE, locale or FALLBACK_LOCALE
    shown_in = _locale(written_in)
    try:
        local = moment.astimezone(_zone(zone_name))
    except OverflowError:
        local = moment.astimezone(UTC)
    return f"{format_datetime(local, 'medium', locale=shown_in)} {_zone_label(local, shown_in)}"


def clock_time(moment: datetime | None, where: Market | str | None) -> str:
    """The time of day alone, as the market writes it, the zone named: ``4:58 PM IST``."""
    if moment is None:
        return ""
    local, shown_in = _in_zone(moment, where)
    return f"{format_time(local, 'short', locale=shown_in)} {_zone_label(local, shown_in)}"


def relative_time(
    moment: datetime | None,
    where: Market | str | None,
    now: datetime,
    say: Callable[[str], str] = str,
) -> str:
    """When ``moment`` is, said from ``now`` in the market's zone, as a shopper says it:
    ``today at 4:43 PM IST``, ``tomorrow at 12:00 PM IST``, ``Tue, 8 Dec at 9:00 AM IST`` within
    the week ahead, ``8 Dec 2026 at 9:00 AM IST`` further away. ``say`` translates the words
    (the page's gettext); the date and time stay written the market's way."""
    if moment is None:
        return ""
    local, shown_in = _in_zone(moment, where)
    try:
        days = (local.date() - now.astimezone(local.tzinfo).date()).days
    except OverflowError:
        days = (moment - now) // timedelta(days=1)
    time = f"{format_time(local, 'short', locale=shown_in)} {_zone_label(local, shown_in)}"
    if days in RELATIVE_DAYS:
        day = say(RELATIVE_DAYS[days])
    elif 1 < days < 7:
        day = format_skeleton("MMMEd", local, locale=shown_in)
    else:
        day = format_date(local, "medium", locale=shown_in)
    return say(N_("%(day)s at %(time)s")) % {"day": day, "time": time}


def time_until(moment: datetime | None, now: datetime) -> str:
    """How long until ``moment``, as an operator reads a timetable: ``in 25 minutes``,
    ``in 3 h 5 min``, ``in 2 days``; ``12 minutes ago`` once it has passed."""
    if moment is None:
        return ""
    seconds = (moment - now).total_seconds()
    if -60 < seconds < 60:
        return "in under a minute" if seconds > 0 else "just now"
    minutes = int(abs(seconds) // 60)
    if minutes < 60:
        span = f"{minutes} minute{'s' if minutes != 1 else ''}"
    elif minutes < 24 * 60:
        span = f"{minutes // 60} h {minutes % 60} min" if minutes % 60 else f"{minutes // 60} h"
    else:
        days = minutes // (24 * 60)
        span = f"{days} day{'s' if days != 1 else ''}"
    return f"in {span}" if seconds > 0 else f"{span} ago"


def zone_name(where: Market | str | None, locale: str | None = None) -> str:
    """The zone as a sentence names it, in the page's language: ``India Time (Asia/Kolkata)``;
    ``UTC`` for UTC and for a zone unknown here."""
    zone_id = (where.timezone if isinstance(where, Market) else where) or DEFAULT_TIMEZONE
    zone = _zone(zone_id)
    if zone is UTC or zone_id.upper() in ("UTC", "ETC/UTC"):
        return "UTC"
    shown_in = _locale(locale or FALLBACK_LOCALE)
    name: str = get_timezone_name(zone, width="long", uncommon=False, locale=shown_in)
    return f"{name} ({zone_id})"


# The page's own words (translated by ``say``); the time is the market's.
RELATIVE_DAYS = {-1: N_("yesterday"), 0: N_("today"), 1: N_("tomorrow")}


def _in_zone(moment: datetime, where: Market | str | None) -> tuple[datetime, Locale]:
    if isinstance(where, Market):
        zone_name, written_in = where.timezone, where.locale
    else:
        zone_name, written_in = where or DEFAULT_TIMEZONE, FALLBACK_LOCALE
    try:
        return moment.astimezone(_zone(zone_name)), _locale(written_in)
    except OverflowError:
        return moment.astimezone(UTC), _locale(written_in)


def _zone_label(local: datetime, locale: Locale) -> str:
    # The zone's short name where the locale has one (IST, EEST, WIB); elsewhere its offset as
    # the locale writes one (GMT+08:00), never a bare +0800 that reads like a number.
    label: str = format_datetime(local, "z", locale=locale)
    if label[:1] in "+-":
        label = format_datetime(local, "ZZZZ", locale=locale)
    return label


@functools.lru_cache(maxsize=64)
def _zone(name: str) -> tzinfo:
    try:
        return ZoneInfo(name)
    except (KeyError, ValueError, OSError):  # not a zone here: unknown, malformed, a folder
        return UTC


@functools.lru_cache(maxsize=64)
def _locale(name: str) -> Locale:
    try:
        return Locale.parse(name)
    except (UnknownLocaleError, ValueError):
        return Locale.parse(FALLBACK_LOCALE)
