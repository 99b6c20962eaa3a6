"""Column types that keep money exact and time in UTC on every engine.

SQLite has neither a decimal nor a time-zone type, so both are spelled out here once instead of
trusting each engine's defaults: a float amount or a naive datetime would be a silent error.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, DateTime, Numeric, String, case, func, type_coerce
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

# Decimal strings on SQLite: room for MAX_AMOUNT (13 digits) with any sane number of decimals.
AMOUNT_TEXT_LENGTH = 40


class Amount(TypeDecorator[Decimal]):
    """A Decimal stored exactly: NUMERIC on PostgreSQL, its plain decimal string on SQLite.

    SQLite's NUMERIC affinity would turn "0.10" into a binary float, hence text there; the
    scale survives the round trip on both engines ("999.00" comes back as "999.00").
    """

    impl = String(AMOUNT_TEXT_LENGTH)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(Numeric(asdecimal=True))
        return dialect.type_descriptor(String(AMOUNT_TEXT_LENGTH))

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if not isinstance(value, Decimal):
            raise TypeError(f"amounts are Decimal, not {type(value).__name__}")
        if not value.is_finite():
            raise ValueError(f"{value} is not a finite amount")
        if dialect.name == "postgresql":
            return value
        # Positional notation, never "1E+3", so that amounts_equal can compare the text.
        return format(value, "f")

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return value if isinstance(value, Decimal) else Decimal(value)


class UtcDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime in, an aware UTC datetime out; a naive one is refused on write.

    PostgreSQL keeps ``timestamptz``; SQLite gets the UTC wall time as fixed-width text with
    microseconds, which also sorts and compares in time order.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value.isoformat()} refused: say it is UTC")
        moment = value.astimezone(UTC)
        return moment.replace(tzinfo=None) if dialect.name == "sqlite" else moment

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def amounts_equal(
    left: ColumnElement[Decimal], right: ColumnElement[Decimal], dialect: str
) -> ColumnElement[bool]:
    """Equal as numbers, whatever their scale: "999.00" equals "999.0" as Money does."""
    if dialect != "sqlite":
        return left == right
    return _canonical_text(left) == _canonical_text(right)


def _canonical_text(amount: ColumnElement[Decimal]) -> ColumnElement[str]:
    # Stored as positional text, so dropping trailing fraction zeros (and a bare point) leaves
    # one spelling per number; integers carry no point and must keep their zeros.
    raw = type_coerce(amount, String)
    return case(
        (func.instr(raw, ".") > 0, func.rtrim(func.rtrim(raw, "0"), ".")),
        else_=raw,
    )
