"""The facts, their cursor and the sales' progress on SQLAlchemy Core (SQLite and PostgreSQL).

A batch is one transaction: the cursor's compare-and-set first (a batch another process
projected already is refused before anything is written), then one multi-row upsert of the
facts that adds to what is stored, one of their SKU-less rollup, and the sales' progress.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from sqlalchemy import (
    Connection,
    Executable,
    Row,
    Select,
    Table,
    and_,
    delete,
    func,
    insert,
    select,
    text,
    update,
)

from flashsale.orders.adapters.sql_tables import payments
from flashsale.orders.domain.events import EventCursor
from flashsale.platform.sql.database import IDS_PER_STATEMENT
from flashsale.reporting.adapters.sql_conversion import SqlFactConversion
from flashsale.reporting.adapters.sql_tables import (
    report_cursors,
    report_sellouts,
    sales_facts_daily,
    sales_facts_daily_shadow,
    sales_facts_markets,
)
from flashsale.reporting.domain.facts import MEASURES, WIDTH, FactKey, SaleProgress
from flashsale.reporting.domain.questions import Dimension, FactRow, Rehearsals

LIVE, SHADOW = "live", "shadow"
ROWS_PER_STATEMENT = 5000
_KEY = ("day_local", "market", "channel", "sku", "currency", "is_rehearsal")
_ROLLUP_KEY = ("day_local", "market", "channel", "currency", "is_rehearsal")


def _name(shadow: bool) -> str:
    return SHADOW if shadow else LIVE


def _facts_table(shadow: bool) -> Table:
    return sales_facts_daily_shadow if shadow else sales_facts_daily


def _rehearsal_filter(table: Table, rehearsals: Rehearsals) -> Any:
    if rehearsals is Rehearsals.INCLUDE:
        return None
    return table.c.is_rehearsal.is_(rehearsals is Rehearsals.ONLY)


def _progress_of(row: Row[Any]) -> SaleProgress:
    return SaleProgress(
        row.sale_id,
        row.market,
        row.sku,
        bool(row.is_rehearsal),
        row.opens_at,
        row.stock_total,
        row.units_taken,
        row.units_live,
        row.sold_out_at,
    )


class SqlReportingFacts(SqlFactConversion):
    def _upsert(self, table: Table, key: Sequence[str]) -> Executable:
        statement = self._insert(table)
        return statement.on_conflict_do_update(
            index_elements=[table.c[k] for k in key],
            set_={m: table.c[m] + statement.excluded[m] for m in MEASURES},
        )

    async def report_cursor(self, shadow: bool = False) -> EventCursor | None:
        c = report_cursors.c
        query = select(c.xid, c.seq).where(c.name == _name(shadow))
        async with self._engine.connect() as conn:
            found = (await conn.execute(query)).one_or_none()
        return None if found is None else EventCursor(found.xid, found.seq)

    async def apply_facts(
        self,
        expected: EventCursor | None,
        cursor: EventCursor,
        facts: Mapping[FactKey, Sequence[int]],
        progress: Sequence[SaleProgress],
        *,
        shadow: bool = False,
    ) -> bool:
        name = _name(shadow)
        c = report_cursors.c
        move: Executable
        if expected is None:
            move = (
                self._insert(report_cursors)
                .values(name=name, xid=cursor.xid, seq=cursor.seq)
                .on_conflict_do_nothing(index_elements=[c.name])
            )
        else:
            move = (
                update(report_cursors)
                .where(c.name == name, c.xid == expected.xid, c.seq == expected.seq)
                .values(xid=cursor.xid, seq=cursor.seq)
            )
        rows = [_fact_row(key, counts) for key, counts in sorted(facts.items())]
        rollup = _rollup(facts) if not shadow else []
        sellouts = [_progress_row(name, p) for p in progress]

        def work(conn: Connection) -> bool:
            if conn.execute(move).rowcount != 1:
                return False
            if rows:
                conn.execute(self._upsert(_facts_table(shadow), _KEY), rows)
            if rollup:
                conn.execute(self._upsert(sales_facts_markets, _ROLLUP_KEY), rollup)
            if sellouts:
                s = report_sellouts.c
                conn.execute(
                    delete(report_sellouts).where(
                        s.copy == name, s.sale_id.in_([p.sale_id for p in progress])
                    )
                )
                conn.execute(insert(report_sellouts), sellouts)
            return True

        return await self._write(work)

    async def add_facts(self, facts: Mapping[FactKey, Sequence[int]]) -> None:
        rows = [_fact_row(key, counts) for key, counts in sorted(facts.items())]
        rollup = _rollup(facts)

        def work(conn: Connection) -> None:
            for start in range(0, len(rows), ROWS_PER_STATEMENT):
                conn.execute(
                    self._upsert(sales_facts_daily, _KEY), rows[start : start + ROWS_PER_STATEMENT]
                )
            for start in range(0, len(rollup), ROWS_PER_STATEMENT):
                conn.execute(
                    self._upsert(sales_facts_markets, _ROLLUP_KEY),
                    rollup[start : start + ROWS_PER_STATEMENT],
                )
            self._analyze(conn)

        if rows:
            await self._write(work)

    def _analyze(self, conn: Connection) -> None:
        """After the facts were rewritten wholesale (a rebuild's swap, a bulk add): fresh
        statistics at once. Until autovacuum gets to it, PostgreSQL plans a question over a
        million new rows as if there were a few dozen, and sorts them on disk."""
        if self._dialect == "postgresql":
            conn.execute(text("ANALYZE sales_facts_daily, sales_facts_markets"))

    async def sale_progress(
        self, sale_ids: Sequence[str], *, shadow: bool = False
    ) -> dict[str, SaleProgress]:
        if not sale_ids:
            return {}
        s = report_sellouts.c
        query = select(report_sellouts).where(s.copy == _name(shadow), s.sale_id.in_(sale_ids))
        async with self._engine.connect() as conn:
            found = (await conn.execute(query)).all()
        return {row.sale_id: _progress_of(row) for row in found}

    async def paid_among(self, order_ids: Sequence[str]) -> set[str]:
        wanted = sorted(set(order_ids))
        paid: set[str] = set()
        async with self._engine.connect() as conn:
            for start in range(0, len(wanted), IDS_PER_STATEMENT):
                chunk = wanted[start : start + IDS_PER_STATEMENT]
                query = select(payments.c.order_id).where(payments.c.order_id.in_(chunk))
                paid.update((await conn.scalars(query)).all())
        return paid

    async def fact_rows(
        self,
        first: date,
        last: date,
        by: Sequence[Dimension],
        rehearsals: Rehearsals,
        market: str | None = None,
        channel: str | None = None,
    ) -> list[FactRow]:
        table = sales_facts_daily if Dimension.SKU in by else sales_facts_markets
        t = table.c
        dims = [d for d in Dimension if d in by]
        grouped = [t.day_local, *(t[d.value] for d in dims), t.currency]
        query: Select[Any] = (
            select(*grouped, *(func.sum(t[m]) for m in MEASURES))
            .where(t.day_local >= first, t.day_local <= last)
            .group_by(*grouped)
        )
        rehearsal = _rehearsal_filter(table, rehearsals)
        if rehearsal is not None:
            query = query.where(rehearsal)
        if market is not None:
            query = query.where(t.market == market)
        if channel is not None:
            query = query.where(t.channel == channel)
        async with self._engine.connect() as conn:
            found = (await conn.execute(query)).all()
        at = {d: i + 1 for i, d in enumerate(dims)}
        width = len(dims) + 2
        market_at, channel_at, sku_at = (
            at.get(Dimension.MARKET),
            at.get(Dimension.CHANNEL),
            at.get(Dimension.SKU),
        )
        return [
            (
                row[0],
                None if market_at is None else row[market_at],
                None if channel_at is None else row[channel_at],
                None if sku_at is None else row[sku_at],
                row[width - 1],
                *(int(n) for n in row[width:]),
            )
            for row in found
        ]

    async def fact_span(self) -> tuple[date, date] | None:
        t = sales_facts_markets.c
        async with self._engine.connect() as conn:
            found = (await conn.execute(select(func.min(t.day_local), func.max(t.day_local)))).one()
        return None if found[0] is None else (found[0], found[1])

    async def all_facts(self, *, shadow: bool = False) -> dict[FactKey, tuple[int, ...]]:
        table = _facts_table(shadow)
        async with self._engine.connect() as conn:
            found = (await conn.execute(select(table))).all()
        return {
            FactKey(r[0], r[1], r[2], r[3], r[4], bool(r[5])): tuple(int(n) for n in r[6:])
            for r in found
        }

    async def all_progress(self, *, shadow: bool = False) -> dict[str, SaleProgress]:
        query = select(report_sellouts).where(report_sellouts.c.copy == _name(shadow))
        async with self._engine.connect() as conn:
            found = (await conn.execute(query)).all()
        return {row.sale_id: _progress_of(row) for row in found}

    async def clear_shadow(self) -> None:
        def work(conn: Connection) -> None:
            conn.execute(delete(sales_facts_daily_shadow))
            conn.execute(delete(report_sellouts).where(report_sellouts.c.copy == SHADOW))
            conn.execute(delete(report_cursors).where(report_cursors.c.name == SHADOW))

        await self._write(work)

    async def swap_shadow(self, cursor: EventCursor) -> bool:
        c = report_cursors.c
        at_cursor = and_(c.xid == cursor.xid, c.seq == cursor.seq)
        live = select(c.name).where(c.name == LIVE, at_cursor)
        if self._dialect == "postgresql":
            live = live.with_for_update()  # the live projector's next batch waits for the swap
        shadow = select(c.name).where(c.name == SHADOW, at_cursor)
        daily, copy, m = sales_facts_daily, sales_facts_daily_shadow, sales_facts_markets

        def work(conn: Connection) -> bool:
            if conn.execute(live).first() is None or conn.execute(shadow).first() is None:
                return False
            conn.execute(delete(daily))
            conn.execute(daily.insert().from_select(list(_KEY + MEASURES), select(copy)))
            conn.execute(delete(m))
            grouped = [daily.c[k] for k in _ROLLUP_KEY]
            summed = select(*grouped, *(func.sum(daily.c[x]) for x in MEASURES)).group_by(*grouped)
            conn.execute(m.insert().from_select(list(_ROLLUP_KEY + MEASURES), summed))
            s = report_sellouts.c
            conn.execute(delete(report_sellouts).where(s.copy == LIVE))
            conn.execute(update(report_sellouts).where(s.copy == SHADOW).values(copy=LIVE))
            conn.execute(delete(copy))
            conn.execute(delete(report_cursors).where(c.name == SHADOW))
            self._analyze(conn)
            return True

        return await self._write(work)

    async def sellouts(self, rehearsals: Rehearsals, limit: int) -> list[SaleProgress]:
        s = report_sellouts.c
        query = select(report_sellouts).where(s.copy == LIVE, s.sold_out_at.is_not(None))
        rehearsal = _rehearsal_filter(report_sellouts, rehearsals)
        if rehearsal is not None:
            query = query.where(rehearsal)
        async with self._engine.connect() as conn:
            found = [_progress_of(row) for row in (await conn.execute(query)).all()]
        found.sort(key=lambda p: (p.seconds_to_sell_out, p.sale_id))
        return found[:limit]


def _fact_row(key: FactKey, counts: Sequence[int]) -> dict[str, Any]:
    row: dict[str, Any] = {
        "day_local": key.day,
        "market": key.market,
        "channel": key.channel,
        "sku": key.sku,
        "currency": key.currency,
        "is_rehearsal": key.is_rehearsal,
    }
    row.update(zip(MEASURES, counts, strict=True))
    return row


def _rollup(facts: Mapping[FactKey, Sequence[int]]) -> list[dict[str, Any]]:
    summed: dict[tuple[Any, ...], list[int]] = {}
    for key, counts in facts.items():
        group = (key.day, key.market, key.channel, key.currency, key.is_rehearsal)
        kept = summed.setdefault(group, [0] * WIDTH)
        for i, n in enumerate(counts):
            kept[i] += n
    rows = []
    for group, counts in sorted(summed.items()):
        row: dict[str, Any] = dict(zip(_ROLLUP_KEY, group, strict=True))
        row.update(zip(MEASURES, counts, strict=True))
        rows.append(row)
    return rows


def _progress_row(copy: str, p: SaleProgress) -> dict[str, Any]:
    return {
        "copy": copy,
        "sale_id": p.sale_id,
        "market": p.market,
        "sku": p.sku,
        "is_rehearsal": p.is_rehearsal,
        "opens_at": p.opens_at,
        "stock_total": p.stock_total,
        "units_taken": p.units_taken,
        "units_live": p.units_live,
        "sold_out_at": p.sold_out_at,
    }
