"""``(a, b) IN ((x, y), ...)`` in a form every engine answers from an index on ``(a, b)``.

SQLAlchemy spells a tuple ``IN`` on SQLite as ``(a, b) IN (VALUES (?, ?), ...)``, which SQLite
(3.40) answers by scanning the whole table once the list holds more than one pair, however the
table is indexed. ``a IN (...)`` beside it gives the planner the index's first column to search
by; the pairs still decide which rows match.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, and_, tuple_


def pairs_in(
    first: ColumnElement[Any], second: ColumnElement[Any], pairs: Sequence[tuple[Any, Any]]
) -> ColumnElement[bool]:
    """Rows whose ``(first, second)`` is one of ``pairs``; ``first`` leads an index of both,
    and few rows share a ``first`` (a customer's orders, say)."""
    firsts = sorted({a for a, _ in pairs})
    return and_(first.in_(firsts), tuple_(first, second).in_(pairs))
