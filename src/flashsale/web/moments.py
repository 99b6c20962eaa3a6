"""Times as a market's customers read them: in the market's time zone, written the way its
locale writes them (as its prices are), the zone named, so that no one mistakes it for their own.

The record keeps every moment in UTC; only the page converts. A market whose stored zone this
server does not know, or a moment that its zone would carry past year 1 or 9999, is shown in
UTC rather than not at all.
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.dates import format_datetime

from flashsale.catalog.market import DEFAULT_TIMEZONE, Market
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
