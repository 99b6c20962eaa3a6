"""A market is where a customer lives and shops: its own currency, locale and price list."""

from __future__ import annotations

import functools
import re
import zoneinfo
from dataclasses import dataclass

from flashsale.kernel.errors import InvalidInput

_COUNTRY = re.compile(r"^[A-Z]{2}$")
MAX_MARKET_NAME_LENGTH = 100
# A CLDR locale identifier's shape: en, en_IN, zh_Hans_CN (Babel falls back on one it lacks).
LOCALE_PATTERN = r"^[A-Za-z]{2,3}(_[A-Za-z0-9]{2,8}){0,3}$"
_LOCALE = re.compile(LOCALE_PATTERN)
DEFAULT_TIMEZONE = "UTC"
MAX_TIMEZONE_LENGTH = 64
# Names some systems list beside the IANA zones that are no zone of a place: the server's own
# setting, and the database's placeholder for "no zone known".
_NOT_PLACES = frozenset({"localtime", "Factory"})


@dataclass(frozen=True, slots=True)
class Market:
    code: str  # ISO 3166-1 alpha-2
    name: str
    currency: str  # ISO 4217
    locale: str  # CLDR locale, for formatting prices
    # IANA time zone, in which its pages show times (stored and sent in UTC all the same).
    timezone: str = DEFAULT_TIMEZONE

    def __post_init__(self) -> None:
        if not _COUNTRY.match(self.code):
            raise InvalidInput(f"{self.code!r} is not an ISO 3166 country code")
        if not re.match(r"^[A-Z]{3}$", self.currency):
            raise InvalidInput(f"{self.currency!r} is not an ISO 4217 currency code")

    def check_new(self) -> None:
        """Refuse (InvalidInput) a market that may not be added or replaced: an empty, padded or
        overlong name, or a locale that is no locale identifier.

        Asked of every market put, not in ``__post_init__``: one stored before the rule existed
        must still load.
        """
        if not self.name.strip() or self.name != self.name.strip():
            raise InvalidInput("name: must not be empty nor start or end with spaces")
        if len(self.name) > MAX_MARKET_NAME_LENGTH:
            raise InvalidInput(f"name: at most {MAX_MARKET_NAME_LENGTH} characters")
        if not _LOCALE.fullmatch(self.locale):
            raise InvalidInput(f"locale: {self.locale[:40]!r} is not a locale such as en_IN")
        check_timezone(self.timezone)


def check_timezone(name: str) -> None:
    """Refuse (InvalidInput) a name that is no IANA time zone; suggest the one that differs
    only in case, since zone names are case-sensitive."""
    zones = _timezones()
    if name in zones:
        return
    near = next((zone for zone in sorted(zones) if zone.lower() == name.lower()), None)
    hint = f"; did you mean {near}?" if near else ", such as Asia/Kolkata"
    raise InvalidInput(f"timezone: {name[:MAX_TIMEZONE_LENGTH]!r} is not an IANA time zone{hint}")


@functools.cache
def _timezones() -> frozenset[str]:
    # Read from the system's (or tzdata's) database once: it does not change while we run.
    return frozenset(zoneinfo.available_timezones() - _NOT_PLACES)
