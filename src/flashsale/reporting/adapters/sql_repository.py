"""``ReportingRepository`` on SQLAlchemy Core: the facts (``sql_facts.py``), and here the
exchange rates, the targets and the sales marked as rehearsals."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Row, func, select

from flashsale.platform.sql.database import conflict
from flashsale.reporting.adapters.sql_facts import SqlReportingFacts
from flashsale.reporting.adapters.sql_tables import (
    fx_rates,
    report_rehearsal_sales,
    report_targets,
)
from flashsale.reporting.domain.fx import FxRate
from flashsale.reporting.domain.questions import Metric
from flashsale.reporting.domain.targets import Target

# Rates stored a transaction: a full ECB history is ~200,000 of them.
RATES_PER_STATEMENT = 5000


def _target_of(row: Row[Any]) -> Target:
    return Target(
        row.id,
        row.period,
        row.market or None,
        row.channel or None,
        Metric(row.metric),
        Decimal(row.value),
        row.created_at,
    )


class SqlReportingRepository(SqlReportingFacts):
    async def put_fx_rates(self, rates: Sequence[FxRate], at: datetime) -> int:
        rows = [
            {
                "day": r.day,
                "base": r.base,
                "quote": r.quote,
                "rate": r.rate,
                "source": r.source,
                "entered_at": at,
            }
            for r in rates
        ]
        statement = self._insert(fx_rates)
        upsert = statement.on_conflict_do_update(
            index_elements=[fx_rates.c.day, fx_rates.c.base, fx_rates.c.quote],
            set_={
                "rate": statement.excluded.rate,
                "source": statement.excluded.source,
                "entered_at": statement.excluded.entered_at,
            },
        )

        def work(conn: Connection) -> int:
            for start in range(0, len(rows), RATES_PER_STATEMENT):
                conn.execute(upsert, rows[start : start + RATES_PER_STATEMENT])
            return len(rows)

        return await self._write(work) if rows else 0

    async def fx_rates(self, currencies: Sequence[str], first: date, last: date) -> list[FxRate]:
        f = fx_rates.c
        wanted = sorted(set(currencies))
        query = select(f.day, f.base, f.quote, f.rate, f.source).where(
            f.base.in_(wanted), f.quote.in_(wanted), f.day >= first, f.day <= last
        )
        async with self._engine.connect() as conn:
            found = (await conn.execute(query)).all()
        return sorted(FxRate(r.day, r.base, r.quote, Decimal(r.rate), r.source) for r in found)

    async def fx_version(self) -> tuple[int, datetime | None]:
        f = fx_rates.c
        async with self._engine.connect() as conn:
            found = (await conn.execute(select(func.count(), func.max(f.entered_at)))).one()
        latest = found[1]
        if isinstance(latest, str):  # SQLite's max() loses the column's type
            latest = datetime.fromisoformat(latest)
        return int(found[0]), latest

    async def add_target(self, target: Target) -> None:
        row = {
            "id": target.id,
            "period": target.period,
            "market": target.market or "",
            "channel": target.channel or "",
            "metric": target.metric.value,
            "value": target.value,
            "created_at": target.created_at,
        }

        def work(conn: Connection) -> None:
            with conflict(f"a {target.metric} target for {target.period} exists"):
                conn.execute(report_targets.insert(), row)

        await self._write(work)

    async def target(self, target_id: str) -> Target | None:
        query = select(report_targets).where(report_targets.c.id == target_id)
        async with self._engine.connect() as conn:
            found = (await conn.execute(query)).one_or_none()
        return None if found is None else _target_of(found)

    async def targets(self) -> list[Target]:
        t = report_targets.c
        async with self._engine.connect() as conn:
            found = (await conn.execute(select(report_targets).order_by(t.period, t.id))).all()
        return [_target_of(row) for row in found]

    async def mark_rehearsal(self, sale_id: str, at: datetime) -> bool:
        statement = (
            self._insert(report_rehearsal_sales)
            .values(sale_id=sale_id, marked_at=at)
            .on_conflict_do_nothing(index_elements=[report_rehearsal_sales.c.sale_id])
        )

        def work(conn: Connection) -> bool:
            return conn.execute(statement).rowcount == 1

        return await self._write(work)

    async def rehearsal_sales(self) -> set[str]:
        async with self._engine.connect() as conn:
            found = await conn.scalars(select(report_rehearsal_sales.c.sale_id))
            return set(found.all())
