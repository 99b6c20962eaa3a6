"""The desk's hot SQLite writes spell every value as SQLAlchemy's column types do: the views
and the breach search compare the text SQLite holds, so one spelling is all that may exist."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import orjson
import pytest
from sqlalchemy import JSON, Boolean, Column, Integer, MetaData, Table, create_engine, select

from flashsale.desk.adapters.sqlite_rows import guarded_update, insert, sqlite_time
from flashsale.platform.sql.columns import UtcDateTime

metadata = MetaData()
things = Table(
    "things",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", UtcDateTime, nullable=True),
    Column("data", JSON, nullable=True),
    Column("flag", Boolean, nullable=False),
    Column("version", Integer, nullable=False),
)
PLUS_EIGHT = timezone(timedelta(hours=8))
ROWS: list[dict[str, Any]] = [
    {"id": 1, "at": datetime(2015, 4, 8, 2, 0, tzinfo=UTC), "data": None, "flag": True},
    {"id": 2, "at": datetime(2015, 4, 8, 10, 0, 0, 5, tzinfo=PLUS_EIGHT), "data": {"a": "中"}},
    {"id": 3, "at": None, "data": {"route": {"due": None, "rank": 2}}, "flag": False},
]


def stored(rows: list[dict[str, Any]], *, ours: bool) -> list[tuple[Any, ...]]:
    engine = create_engine("sqlite://")
    metadata.create_all(engine)
    full = [{"flag": False, "version": 0, **row} for row in rows]
    with engine.begin() as conn:
        if ours:
            insert(things).run(conn, full)
        else:
            conn.execute(things.insert(), full)
        raw = conn.exec_driver_sql("SELECT id, at, data, flag, version FROM things").all()
        read = conn.execute(select(things).order_by(things.c.id)).all()
    return [(*r[:2], orjson.loads(r[2]), *r[3:]) for r in raw] + [tuple(r) for r in read]


def test_inserted_rows_are_spelled_and_read_back_as_sqlalchemy_writes_them() -> None:
    assert stored(ROWS, ours=True) == stored(ROWS, ours=False)


def test_the_guarded_update_writes_only_at_the_version_read() -> None:
    engine = create_engine("sqlite://")
    metadata.create_all(engine)
    with engine.begin() as conn:
        insert(things).run(conn, [{"flag": False, "version": 0, **ROWS[0]}])
        update = guarded_update(things, "id", "version")
        moved = {**ROWS[0], "flag": False, "data": {"x": 1}, "version": 1}
        update.run(conn, [{**moved, "b_id": 1, "b_version": 0}])
        update.run(conn, [{**moved, "data": {"x": 2}, "version": 2, "b_id": 1, "b_version": 0}])
        found = conn.execute(select(things.c.data, things.c.version, things.c.flag)).one()
    assert tuple(found) == ({"x": 1}, 1, False)


def test_a_narrow_update_sets_only_the_columns_named() -> None:
    engine = create_engine("sqlite://")
    metadata.create_all(engine)
    with engine.begin() as conn:
        insert(things).run(conn, [{"flag": True, "version": 0, **ROWS[2]}])
        update = guarded_update(things, "id", "version", ["data", "version"])
        moved = {**ROWS[2], "data": {"x": 3}, "flag": True, "version": 1, "at": None}
        update.run(conn, [{**moved, "b_id": 3, "b_version": 0}])
        found = conn.execute(select(things.c.data, things.c.version, things.c.flag)).one()
    assert tuple(found) == ({"x": 3}, 1, False)  # flag named nowhere: as it was


def test_a_naive_time_is_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        sqlite_time(datetime(2015, 4, 8, 2, 0))  # noqa: DTZ001 (naive on purpose)
