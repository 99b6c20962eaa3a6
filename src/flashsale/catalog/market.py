"""A market is where a customer lives and shops: its own currency, locale and price list."""

from __future__ import annotations

import enum
import functools
import re
import zoneinfo
from dataclasses import dataclass
from decimal import Decimal

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

    @property
    def payment_methods(self) -> PaymentMethods:
        """How its shoppers pay (``payment_methods_of``)."""
        return payment_methods_of(self.code)

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


class PaymentMethod(enum.StrEnum):
    CARD = "card"
    UPI = "upi"  # India's Unified Payments Interface: a virtual payment address (name@bank)
    COD = "cod"  # cash on delivery: nothing is charged at checkout, the carrier collects


@dataclass(frozen=True, slots=True)
class PaymentMethods:
    """The ways a market's shoppers pay, in the order its checkout offers them, and the
    largest order (in the market's currency) it sends cash on delivery; None: no limit."""

    accepted: tuple[PaymentMethod, ...]
    cod_limit: Decimal | None = None

    def takes(self, method: PaymentMethod) -> bool:
        return method in self.accepted

    def cod_allowed_for(self, amount: Decimal) -> bool:
        return self.takes(PaymentMethod.COD) and (
            self.cod_limit is None or amount <= self.cod_limit
        )


# UPI is India's; cash on delivery is offered where shoppers expect it, up to about what the
# market's large shops send against cash (a carrier will not carry more in cash).
_UPI_COUNTRIES = frozenset({"IN"})
_COD_LIMITS: dict[str, Decimal] = {
    "IN": Decimal("50000"),
    "ID": Decimal("5000000"),
    "GR": Decimal("500"),
    "RU": Decimal("100000"),
}


def payment_methods_of(country: str) -> PaymentMethods:
    """Cards everywhere; UPI in India; cash on delivery where the market allows it."""
    accepted = [PaymentMethod.CARD]
    if country in _UPI_COUNTRIES:
        accepted.append(PaymentMethod.UPI)
    limit = _COD_LIMITS.get(country)
    if limit is not None:
        accepted.append(PaymentMethod.COD)
    return PaymentMethods(tuple(accepted), limit)


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
