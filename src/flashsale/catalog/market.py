"""A market is where a customer lives and shops: its own currency, locale and price list."""

from __future__ import annotations

import re
from dataclasses import dataclass

from flashsale.kernel.errors import InvalidInput

_COUNTRY = re.compile(r"^[A-Z]{2}$")


@dataclass(frozen=True, slots=True)
class Market:
    code: str  # ISO 3166-1 alpha-2
    name: str
    currency: str  # ISO 4217
    locale: str  # CLDR locale, for formatting prices

    def __post_init__(self) -> None:
        if not _COUNTRY.match(self.code):
            raise InvalidInput(f"{self.code!r} is not an ISO 3166 country code")
        if not re.match(r"^[A-Z]{3}$", self.currency):
            raise InvalidInput(f"{self.currency!r} is not an ISO 4217 currency code")
