"""A sales channel: the door a unit leaves by (the web shop, a store, a partner marketplace),
with its own price list and, for a partner, a safety buffer kept back from what it is told.

A channel sells in one market and in that market's currency: a price list of another currency
would be summed with the market's own in every report (WooCommerce #22823).
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from flashsale.kernel.errors import InvalidInput
from flashsale.kernel.money import Money

CODE_PATTERN = r"^[A-Z0-9]+(_[A-Z0-9]+)*$"
_CODE = re.compile(CODE_PATTERN)
MAX_CODE = 32
MAX_NAME = 120
MAX_BUFFER = 1_000_000
WEB = "WEB"  # the shop's own site, made on demand for its market


class ChannelKind(enum.StrEnum):
    WEB = "web"
    STORE = "store"
    MARKETPLACE = "marketplace"


@dataclass(frozen=True, slots=True)
class Channel:
    code: str  # AMAZON_IN, FLIPKART, WEB
    kind: ChannelKind
    market_code: str
    name: str
    currency: str  # the market's
    safety_buffer: int = 0  # units per SKU never published to the partner
    active: bool = True

    def __post_init__(self) -> None:
        if not (_CODE.fullmatch(self.code) and len(self.code) <= MAX_CODE):
            raise InvalidInput(
                f"code: {self.code[:40]!r} is not upper-case letters, digits and underscores"
                f" (at most {MAX_CODE})"
            )
        name = self.name.strip()
        if not name or name != self.name or len(name) > MAX_NAME:
            raise InvalidInput(f"name: 1 to {MAX_NAME} characters, not padded with spaces")
        if not 0 <= self.safety_buffer <= MAX_BUFFER:
            raise InvalidInput(f"safety_buffer: 0 to {MAX_BUFFER}")

    @property
    def is_partner(self) -> bool:
        return self.kind is ChannelKind.MARKETPLACE


def check_currency(channel_code: str, currency: str, market_currency: str) -> None:
    """A channel sells in its market's currency."""
    if currency != market_currency:
        raise InvalidInput(
            f"currency: {channel_code} sells in its market's currency {market_currency},"
            f" not {currency[:8]}"
        )


@dataclass(frozen=True, slots=True)
class ChannelPrice:
    """What a SKU costs on a channel; a SKU without one is not listed there."""

    channel: str
    sku: str
    price: Money
