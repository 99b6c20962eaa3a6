"""The group commit's own datetime text is exactly what SQLAlchemy writes for every other query."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.dialects import sqlite

from flashsale.orders.adapters.sqlite_orders import sqlite_utc_text
from flashsale.platform.sql.columns import UtcDateTime

DIALECT = sqlite.dialect()
offsets = st.integers(-14 * 60, 14 * 60).map(lambda m: timezone(timedelta(minutes=m)))


def sqlalchemy_text(value: datetime) -> str:
    column = UtcDateTime()
    processor = column._cached_bind_processor(DIALECT)
    assert processor is not None
    result: str = processor(value)
    return result


@given(
    st.datetimes(  # hypothesis takes naive bounds and attaches the time zone itself
        min_value=datetime(1900, 1, 2),  # noqa: DTZ001
        max_value=datetime(9999, 12, 30),  # noqa: DTZ001
        timezones=offsets,
    )
)
def test_fast_text_equals_sqlalchemys(value: datetime) -> None:
    assert sqlite_utc_text(value) == sqlalchemy_text(value)


def test_a_naive_datetime_is_refused_as_sqlalchemy_refuses_it() -> None:
    naive = datetime(2026, 11, 23, 12, 0)  # noqa: DTZ001 (the point of the test)
    with pytest.raises(ValueError, match="naive"):
        sqlite_utc_text(naive)
    with pytest.raises(ValueError, match="naive"):
        sqlalchemy_text(naive)
