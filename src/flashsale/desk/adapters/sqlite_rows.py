"""The desk's hot writes on SQLite as the driver takes them: each row a tuple in column order,
each value spelled as SQLAlchemy's column types spell it there (UTC wall time as fixed-width
text, JSON as text, booleans as integers), one executemany a statement.

SQLAlchemy's executemany works every bind parameter of every row through Python (parameter
dicts, the datetime processors, the JSON serializer): under a day of a million contacts that
took more of the writer thread than SQLite's own work (py-spy over benchmarks/service_desk.py).
What is written here reads back through the same tables and types as the rest of the record;
the contract suite holds both to it. PostgreSQL keeps SQLAlchemy's path.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import JSON, Column, Connection, Table

from flashsale.platform.sql.columns import UtcDateTime

Convert = Callable[[Any], Any]


def sqlite_time(value: datetime | None) -> str | None:
    """As ``UtcDateTime`` and SQLite's DATETIME store it; a naive datetime is refused."""
    if value is None:
        return None
    if value.tzinfo is not UTC:
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value.isoformat()} refused: say it is UTC")
        value = value.astimezone(UTC)
    return value.replace(tzinfo=None).isoformat(" ", "microseconds")


def sqlite_json(value: Any) -> str:
    """JSON text; None is JSON's null, as SQLAlchemy's JSON type writes it."""
    return orjson.dumps(value).decode()


def _converter(column: Column[Any]) -> Convert | None:
    if isinstance(column.type, UtcDateTime):
        return sqlite_time
    if isinstance(column.type, JSON):
        return sqlite_json
    return None  # text, numbers and booleans go as they are


def reader(column: Column[Any]) -> Convert | None:
    """How a value SQLite returns for ``column`` is read back (None: as it is)."""
    if isinstance(column.type, UtcDateTime):
        return _moment
    if isinstance(column.type, JSON):
        return orjson.loads
    return None


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


class Statement:
    """One INSERT or guarded UPDATE, its rows given as the row dicts of ``sql_rows``."""

    def __init__(self, sql: str, columns: Sequence[Column[Any]], keys: Sequence[str]) -> None:
        self.sql = sql
        self._fields = [
            (key, _converter(column)) for key, column in zip(keys, columns, strict=True)
        ]

    def run(self, conn: Connection, rows: Iterable[Mapping[str, Any]]) -> None:
        fields = self._fields
        values = [
            tuple(row[key] if convert is None else convert(row[key]) for key, convert in fields)
            for row in rows
        ]
        if values:
            conn.exec_driver_sql(self.sql, values)


def insert(table: Table, skip: Iterable[str] = ()) -> Statement:
    """Every column but ``skip`` (a key the database fills: an autoincrement, PostgreSQL's xid)."""
    left_out = set(skip)
    columns = [c for c in table.columns if c.name not in left_out]
    names = ", ".join(f'"{c.name}"' for c in columns)
    marks = ", ".join("?" for _ in columns)
    sql = f'INSERT INTO "{table.name}" ({names}) VALUES ({marks})'
    return Statement(sql, columns, [c.name for c in columns])


def guarded_update(
    table: Table, key: str, version: str, names: Iterable[str] | None = None
) -> Statement:
    """``names`` (every column but the key, by default) set where the key and the version
    are as given: rows carry the new values under their names, and ``b_{key}``,
    ``b_{version}`` the row as read."""
    chosen = None if names is None else set(names)
    columns = [c for c in table.columns if c.name != key and (chosen is None or c.name in chosen)]
    sets = ", ".join(f'"{c.name}" = ?' for c in columns)
    sql = f'UPDATE "{table.name}" SET {sets} WHERE "{key}" = ? AND "{version}" = ?'
    guard = [table.c[key], table.c[version]]
    keys = [c.name for c in columns] + [f"b_{key}", f"b_{version}"]
    return Statement(sql, [*columns, *guard], keys)
