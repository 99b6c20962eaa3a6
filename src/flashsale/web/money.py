"""Prices as a market's customers read them (Babel/CLDR): ₹999 in India, ¥149 in China.

A whole amount is shown without decimals, the way shops print their prices; any other keeps
every digit it has, so 29.90 € never reads as 29.9 €.
"""

from __future__ import annotations

import copy
import functools

from babel import Locale, UnknownLocaleError
from babel.numbers import NumberPattern

from flashsale.kernel.money import Money

FALLBACK_LOCALE = "en"


@functools.lru_cache(maxsize=64)
def _locale(name: str) -> Locale:
    try:
        return Locale.parse(name)
    except (UnknownLocaleError, ValueError):
        return Locale.parse(FALLBACK_LOCALE)


@functools.lru_cache(maxsize=64)
def _patterns(name: str) -> tuple[NumberPattern, NumberPattern]:
    """The locale's currency pattern, and the same without fraction digits."""
    standard = _locale(name).currency_formats["standard"]
    whole = copy.copy(standard)
    whole.frac_prec = (0, 0)
    return standard, whole


def format_money(money: Money, locale: str) -> str:
    amount = money.amount
    standard, whole = _patterns(locale)
    is_whole = amount == amount.to_integral_value()
    # No quantization: an exact amount is never rounded for display.
    shown: str = (whole if is_whole else standard).apply(
        amount,
        _locale(locale),
        currency=money.currency,
        currency_digits=False,
        decimal_quantization=False,
    )
    return shown
