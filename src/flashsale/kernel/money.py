"""Money is an exact Decimal amount in an ISO 4217 currency; it is never converted on the fly."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from babel.numbers import get_currency_precision

from flashsale.kernel.errors import InvalidInput

_CURRENCY = re.compile(r"^[A-Z]{3}$")
# Amounts beyond this are typos, not prices; the bound also keeps every SQL engine's column exact.
MAX_AMOUNT = Decimal("1000000000000")
# No ISO 4217 currency has a minor unit finer than 1/10,000 (CLF, UYW).
MAX_DECIMAL_PLACES = 4
# The only text an amount may be: ASCII digits, then an optional fraction. Decimal() alone also
# takes signs, exponents ("1E-30"), underscores ("1_000"), surrounding spaces, "NaN", "Infinity"
# and non-ASCII digits, none of which anyone writes in a price.
AMOUNT_PATTERN = rf"^[0-9]{{1,13}}(\.[0-9]{{1,{MAX_DECIMAL_PLACES}}})?$"
_AMOUNT = re.compile(AMOUNT_PATTERN)
AMOUNT_SHAPE = (
    'a decimal string such as "999.00": digits and an optional fraction of at most'
    f" {MAX_DECIMAL_PLACES} digits; no sign, exponent, separator or space"
)


def parse_amount(value: object) -> Decimal:
    """Accept "999", "18.00", an int or a Decimal; refuse floats so that no binary rounding
    sneaks in, and text in any other shape than AMOUNT_PATTERN."""
    if isinstance(value, float | bool):
        raise InvalidInput('amounts are decimal strings such as "999.00", not floats')
    if isinstance(value, str):
        if not _AMOUNT.fullmatch(value):
            raise InvalidInput(f"{value[:40]!r} is not {AMOUNT_SHAPE}")
        amount = Decimal(value)
    elif isinstance(value, int | Decimal):
        amount = Decimal(value)
    else:
        raise InvalidInput(f"{value!r:.40} is not a decimal amount")
    if not amount.is_finite() or amount < 0 or amount > MAX_AMOUNT:
        raise InvalidInput(f"{value!r:.40} is not an amount between 0 and {MAX_AMOUNT}")
    if decimal_places(amount) > MAX_DECIMAL_PLACES:
        raise InvalidInput(f"{value!r:.40} has more than {MAX_DECIMAL_PLACES} decimal places")
    return amount


@lru_cache(maxsize=512)
def minor_unit_places(currency: str) -> int:
    """Decimal places of the currency's minor unit (ISO 4217 exponent, from CLDR): JPY 0,
    INR 2, KWD 3; a code CLDR does not know gets its default, 2."""
    return int(get_currency_precision(currency))


def decimal_places(amount: Decimal) -> int:
    """Places as written: "18.00" has two, "18" and "1E+3" none."""
    exponent = amount.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def parse_price(value: object, currency: str) -> Money:
    """An amount a person or a client gives in a currency: parse_amount's rules, and no finer
    than the currency's minor unit (0.001 INR or 1.5 JPY cannot be paid).

    Checked where a price enters the shop, not in Money itself: amounts computed or stored
    before the rule existed must still load and add up.
    """
    amount = parse_amount(value)
    money = Money(amount, currency)
    allowed, written = minor_unit_places(currency), decimal_places(amount)
    if written > allowed:
        raise InvalidInput(
            f"{value!r:.40} has {written} decimal places; {currency} amounts have at most {allowed}"
        )
    return money


def parse_amounts_per_currency(text: str | None) -> dict[str, Decimal]:
    """``CNY:2000,INR:20000`` → {"CNY": 2000, "INR": 20000}, each a price in its currency."""
    amounts: dict[str, Decimal] = {}
    for part in (text or "").split(","):
        if not part.strip():
            continue
        currency, _, amount = (p.strip() for p in part.partition(":"))
        try:
            amounts[currency] = parse_price(amount, currency).amount
        except InvalidInput as exc:
            raise InvalidInput(
                f"{part.strip()[:40]!r}: {exc.detail}; write CUR:amount, e.g. CNY:2000,INR:20000"
            ) from exc
    return amounts


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
