"""Money is an exact Decimal amount in an ISO 4217 currency; it is never converted on the fly."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from flashsale.kernel.errors import InvalidInput

_CURRENCY = re.compile(r"^[A-Z]{3}$")
# Amounts beyond this are typos, not prices; the bound also keeps every SQL engine's column exact.
MAX_AMOUNT = Decimal("1000000000000")


def parse_amount(value: object) -> Decimal:
    """Accept "999", "18.00" or a Decimal; refuse floats so that no binary rounding sneaks in."""
    if isinstance(value, float | bool):
        raise InvalidInput('amounts are decimal strings such as "999.00", not floats')
    try:
        amount = Decimal(str(value))
    except InvalidOperation as exc:
        raise InvalidInput(f"{value!r} is not a decimal amount") from exc
    if not amount.is_finite() or amount < 0 or amount > MAX_AMOUNT:
        raise InvalidInput(f"{value!r} is not an amount between 0 and {MAX_AMOUNT}")
    return amount


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        if not _CURRENCY.match(self.currency):
            raise InvalidInput(f"{self.currency!r} is not an ISO 4217 currency code")
        if not isinstance(self.amount, Decimal):
            raise InvalidInput("money amounts are Decimal")

    @classmethod
    def of(cls, amount: object, currency: str) -> Money:
        return cls(parse_amount(amount), currency)

    def times(self, quantity: int) -> Money:
        return Money(self.amount * quantity, self.currency)

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"
