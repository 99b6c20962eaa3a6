"""The kinds of value a template's data holds, each checked and written out for a locale.

A template receives its data already formatted, so no template can print an amount or a time
any other way than the one the customer's locale writes it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum

from babel import Locale
from babel.dates import format_datetime
from babel.numbers import format_currency, format_decimal

from flashsale.kernel.errors import InvalidInput
from flashsale.kernel.money import Money

MAX_TEXT_LENGTH = 1000
_BASE64 = re.compile(r"[A-Za-z0-9+/]+={0,2}")
MAX_IMAGE_LENGTH = 20_000  # a QR code's PNG is a few hundred characters
IMAGE_PREFIX = "data:image/png;base64,"


class Kind(Enum):
    TEXT = "text"  # a line of text, e.g. a product's name
    COUNT = "count"  # a whole number, e.g. a quantity
    MONEY = "money"  # a kernel Money, e.g. an order's amount
    MOMENT = "moment"  # a timezone-aware datetime, shown in UTC
    LINK = "link"  # an http(s) URL, e.g. the order's page
    # A small PNG inside the mail as a data: URI, e.g. a pickup code's QR: no attachment, and
    # nothing fetched from the shop when the mail is opened.
    IMAGE = "image"


@dataclass(frozen=True, slots=True)
class Field:
    kind: Kind
    meaning: str


def shown(name: str, field: Field, value: object, locale: Locale) -> str:
    """``value`` as the template prints it; InvalidInput naming ``name`` when it is not of the
    field's kind."""
    match field.kind:
        case Kind.TEXT if isinstance(value, str) and len(value) <= MAX_TEXT_LENGTH:
            return value
        case Kind.COUNT if isinstance(value, int) and not isinstance(value, bool):
            return format_decimal(value, locale=locale)
        case Kind.MONEY if isinstance(value, Money):
            return money(value, locale)
        case Kind.MOMENT if isinstance(value, datetime) and value.utcoffset() is not None:
            return format_datetime(value, "long", tzinfo=UTC, locale=locale)
        case Kind.LINK if isinstance(value, str) and value.startswith(("https://", "http://")):
            return value
        case Kind.IMAGE if (
            isinstance(value, str)
            and len(value) <= MAX_IMAGE_LENGTH
            and value.startswith(IMAGE_PREFIX)
            and _BASE64.fullmatch(value, len(IMAGE_PREFIX))
        ):
            return value
    raise InvalidInput(f"{name}: {value!r:.60} is not {_described[field.kind]}")


def money(amount: Money, locale: Locale) -> str:
    """At least the currency's minor unit, as a receipt states it (₹999.00), and never rounded:
    an amount with more digits keeps them all."""
    return format_currency(
        amount.amount, amount.currency, locale=locale, decimal_quantization=False
    )


_described = {
    Kind.TEXT: f"text of at most {MAX_TEXT_LENGTH} characters",
    Kind.COUNT: "a whole number",
    Kind.MONEY: "Money",
    Kind.MOMENT: "a timezone-aware datetime",
    Kind.LINK: "an http(s) URL",
    Kind.IMAGE: f"a {IMAGE_PREFIX} URI of at most {MAX_IMAGE_LENGTH} characters",
}
