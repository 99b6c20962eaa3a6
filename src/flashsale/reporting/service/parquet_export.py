"""The sales report as Parquet (the ``reports`` extra: ``pip install 'flashsale[reports]'``).

The same columns as the CSV (``domain/export.py``), typed: dates as dates, counts as 64-bit
integers, amounts as decimal128 with four places (the finest ISO 4217 minor unit), so they
read back exact. Without pyarrow the format is refused, naming the extra.
"""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from typing import Any

from flashsale.kernel.errors import InvalidInput
from flashsale.reporting.domain.export import COLUMNS, lines
from flashsale.reporting.domain.questions import SalesAnswer

MEDIA_TYPE = "application/vnd.apache.parquet"
_DATES = ("period_start", "period_end")
_COUNTS = (
    "orders",
    "units_sold",
    "units_cancelled",
    "units_shipped",
    "units_delivered",
    "units_returned",
)
_AMOUNTS = ("revenue", "revenue_reporting")


def available() -> bool:
    try:
        import pyarrow  # type: ignore[import-untyped,import-not-found,unused-ignore]  # noqa: F401
    except ImportError:
        return False
    return True


def _typed(name: str, text: str) -> Any:
    if name in _DATES:
        return date.fromisoformat(text)
    if name in _COUNTS:
        return int(text)
    if name in _AMOUNTS:
        return Decimal(text) if text else None
    if name == "incomplete":
        return text == "true"
    return text or None


def to_parquet(answer: SalesAnswer) -> bytes:
    """The rows, then the totals (period ``total``), as one Parquet file."""
    try:
        import pyarrow as pa  # type: ignore[import-untyped,import-not-found,unused-ignore]
        import pyarrow.parquet as pq  # type: ignore[import-untyped,import-not-found,unused-ignore]
    except ImportError:
        raise InvalidInput(
            "Parquet needs pyarrow: pip install 'flashsale[reports]'; CSV and JSON need nothing"
        ) from None
    body = list(lines(answer))[1:]
    columns = {name: [_typed(name, row[i]) for row in body] for i, name in enumerate(COLUMNS)}
    amount = pa.decimal128(38, 4)
    types = {
        **{name: pa.date32() for name in _DATES},
        **{name: pa.int64() for name in _COUNTS},
        **dict.fromkeys(_AMOUNTS, amount),
        "incomplete": pa.bool_(),
    }
    table = pa.table(
        {
            name: pa.array(values, type=types.get(name, pa.string()))
            for name, values in columns.items()
        }
    )
    out = io.BytesIO()
    pq.write_table(table, out)
    return out.getvalue()
