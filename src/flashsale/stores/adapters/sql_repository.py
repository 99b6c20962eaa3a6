"""``StoreRepository`` on SQLAlchemy Core: SQLite and PostgreSQL.

POS sales are written in batches (the point of sale's group commit), one transaction each, by
``sqlite_sale_batch`` or ``pg_sale_batch``: the stores' receipt counters are locked first (on
PostgreSQL their row locks make a store's sales take turns across processes, which keeps the
numbers gap-free and in order), then the levels, and every sale of the batch is decided against
those locked counts; a short sale is refused and the others commit. A sale alone is a batch of
one.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import partial

from sqlalchemy import ColumnElement, Connection, RowMapping, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from flashsale.inventory.adapters import sql_rows as inventory_rows
from flashsale.inventory.adapters.sql_tables import locations, stock_levels, stock_moves
from flashsale.inventory.domain.location import Location
from flashsale.inventory.domain.stock import Move
from flashsale.platform.sql.database import SqlDatabase, conflict
from flashsale.stores.adapters import sql_rows as rows
from flashsale.stores.adapters.pg_sale_batch import PostgresSaleBatch
from flashsale.stores.adapters.sql_tables import (
    pos_returns,
    pos_sale_lines,
    pos_sales,
    store_clerks,
    stores,
    tills,
)
from flashsale.stores.adapters.sqlite_sale_batch import SqliteSaleBatch
from flashsale.stores.domain.ledger import return_moves
from flashsale.stores.domain.returns import PosReturn
from flashsale.stores.domain.sale import PosSale
from flashsale.stores.domain.sale_batch import Outcome
from flashsale.stores.domain.store import StoreProfile
from flashsale.stores.domain.till import Till
from flashsale.stores.errors import ReturnExceedsSale


def _moves(conn: Connection, moves: Sequence[Move]) -> None:
    if moves:
        conn.execute(insert(stock_moves), [inventory_rows.move_row(m) for m in moves])


# 2,000 levels x 3 bound parameters, far below SQLite's 32,766.
LINES_PER_TRANSACTION = 2_000


class SqlStoreRepository(SqlDatabase):
    _pos_pg: tuple[PostgresSaleBatch, AsyncEngine] | None = None
    _pos_sqlite: SqliteSaleBatch | None = None

    async def store_add(
        self, location: Location, profile: StoreProfile, clerks: Sequence[str]
    ) -> None:
        def work(conn: Connection) -> None:
            conn.execute(insert(locations).values(inventory_rows.location_row(location)))
            conn.execute(insert(stores).values(rows.profile_row(profile)))
            if clerks:
                conn.execute(
                    insert(store_clerks),
                    [{"store_code": profile.code, "staff_id": s} for s in clerks],
                )

        with conflict(f"store {location.code} exists already, or a clerk is no staff member"):
            await self._write(work)

    async def store_profile(self, code: str) -> StoreProfile | None:
        async with self._engine.connect() as conn:
            found = (
                (await conn.execute(select(stores).where(stores.c.code == code)))
                .mappings()
                .one_or_none()
            )
        return None if found is None else rows.profile_of(found)

    async def store_profiles(self) -> list[StoreProfile]:
        async with self._engine.connect() as conn:
            found = (await conn.execute(select(stores).order_by(stores.c.code))).mappings().all()
        return [rows.profile_of(r) for r in found]

    async def store_clerks(self, code: str) -> list[str]:
        c = store_clerks.c
        query = select(c.staff_id).where(c.store_code == code).order_by(c.staff_id)
        async with self._engine.connect() as conn:
            return list((await conn.execute(query)).scalars())

    async def store_clerks_by_store(self) -> dict[str, list[str]]:
        c = store_clerks.c
        query = select(c.store_code, c.staff_id).order_by(c.store_code, c.staff_id)
        found: dict[str, list[str]] = {}
        async with self._engine.connect() as conn:
            for code, staff_id in await conn.execute(query):
                found.setdefault(code, []).append(staff_id)
        return found

    async def store_put_clerks(self, code: str, staff_ids: Sequence[str]) -> None:
        def work(conn: Connection) -> None:
            conn.execute(delete(store_clerks).where(store_clerks.c.store_code == code))
            if staff_ids:
                conn.execute(
                    insert(store_clerks), [{"store_code": code, "staff_id": s} for s in staff_ids]
                )

        with conflict("a clerk is no staff member, or there is no such store"):
            await self._write(work)

    async def till_add(self, till: Till) -> None:
        def work(conn: Connection) -> None:
            conn.execute(insert(tills).values(rows.till_row(till)))

        with conflict(f"till {till.id} exists already, or there is no store {till.store_code}"):
            await self._write(work)

    async def till_by_token_hash(self, token_hash: str) -> Till | None:
        async with self._engine.connect() as conn:
            found = (
                (await conn.execute(select(tills).where(tills.c.token_hash == token_hash)))
                .mappings()
                .one_or_none()
            )
        return None if found is None else rows.till_of(found)

    async def tills(self, store_code: str) -> list[Till]:
        query = (
            select(tills)
            .where(tills.c.store_code == store_code)
            .order_by(tills.c.created_at, tills.c.id)
        )
        async with self._engine.connect() as conn:
            return [rows.till_of(r) for r in (await conn.execute(query)).mappings()]

    async def tills_live(self) -> list[Till]:
        query = select(tills).where(tills.c.revoked_at.is_(None))
        async with self._engine.connect() as conn:
            return [rows.till_of(r) for r in (await conn.execute(query)).mappings()]

    async def till_revoke(self, store_code: str, till_id: str, at: datetime) -> Till | None:
        c = tills.c
        mine = (c.id == till_id) & (c.store_code == store_code)

        def work(conn: Connection) -> Till | None:
            # Only a live till is stamped: revoking twice keeps the first moment.
            conn.execute(update(tills).where(mine, c.revoked_at.is_(None)).values(revoked_at=at))
            found = conn.execute(select(tills).where(mine)).mappings().one_or_none()
            return None if found is None else rows.till_of(found)

        return await self._write(work)

    async def pos_record_sale(self, sale: PosSale) -> PosSale:
        (outcome,) = await self.pos_record_sales([sale])
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    async def pos_record_sales(self, sales: Sequence[PosSale]) -> list[Outcome]:
        outcomes: list[Outcome] = []
        for chunk in _chunks(sales):
            outcomes += await self._record_chunk(chunk)
        return outcomes

    async def _record_chunk(self, sales: Sequence[PosSale]) -> list[Outcome]:
        try:
            return await self._record_sales(sales)
        except Exception:
            if len(sales) == 1:
                raise
        # Rare (a key raced in by another process, a deadlock, a lost connection): the batch
        # rolled back whole, so each sale is tried alone and only its own failure is its answer.
        outcomes: list[Outcome] = []
        for sale in sales:
            try:
                outcomes.extend(await self._record_sales([sale]))
            except Exception as exc:
                outcomes.append(exc)
        return outcomes

    async def _record_sales(self, sales: Sequence[PosSale]) -> list[Outcome]:
        with conflict("a sale with this Idempotency-Key (or receipt number) was stored already"):
            if self._dialect == "postgresql":
                batch, engine = self._pos_batch()
                return await batch.record(engine, sales)
            if self._pos_sqlite is None:
                self._pos_sqlite = SqliteSaleBatch(self._engine.dialect)
            return await self._write(
                partial(self._pos_sqlite.record, sales=sales, stored_sales=_sales_by_id)
            )

    def _pos_batch(self) -> tuple[PostgresSaleBatch, AsyncEngine]:
        """PostgreSQL's batch writer and its pool, made on the first sale: one batch at a time
        per process, so two connections (two more while a fallback retries) do; no ping on
        checkout, a round trip per batch saved (see ``pg_sale_batch``)."""
        if self._pos_pg is None:
            engine = create_async_engine(
                self._engine.url,
                pool_pre_ping=False,
                pool_size=2,
                max_overflow=2,
                hide_parameters=True,
            )
            self._pos_pg = (PostgresSaleBatch(engine.dialect), engine)
        return self._pos_pg

    async def close(self) -> None:
        if self._pos_pg is not None:
            engine, self._pos_pg = self._pos_pg[1], None
            await engine.dispose()
        await super().close()

    async def pos_sale(self, sale_id: str) -> PosSale | None:
        return await self._read_sale(pos_sales.c.id == sale_id)

    async def pos_sale_by_key(self, store_code: str, idempotency_key: str) -> PosSale | None:
        c = pos_sales.c
        return await self._read_sale(
            (c.store_code == store_code) & (c.idempotency_key == idempotency_key)
        )

    async def _read_sale(self, where: ColumnElement[bool]) -> PosSale | None:
        async with self._engine.connect() as conn:
            return await conn.run_sync(_sale_in, where)

    async def pos_record_return(self, ret: PosReturn) -> PosReturn:
        sl, lv = pos_sale_lines.c, stock_levels.c

        def work(conn: Connection) -> PosReturn:
            for sku, quantity in sorted(ret.lines):
                moved = conn.execute(
                    update(pos_sale_lines)
                    .where(
                        sl.sale_id == ret.sale_id,
                        sl.sku == sku,
                        sl.returned + quantity <= sl.quantity,
                    )
                    .values(returned=sl.returned + quantity)
                ).rowcount
                if moved != 1:
                    raise ReturnExceedsSale(
                        f"lines: the sale has fewer than {quantity} of {sku} left to return"
                    )
                if ret.restock:
                    conn.execute(
                        update(stock_levels)
                        .where(lv.location == ret.store_code, lv.sku == sku)
                        .values(on_hand=lv.on_hand + quantity)
                    )
            conn.execute(insert(pos_returns).values(rows.return_row(ret)))
            _moves(conn, return_moves(ret))
            return ret

        with conflict(f"return {ret.id} exists already"):
            return await self._write(work)

    async def pos_return_refunded(self, return_id: str, refund_reference: str) -> None:
        def work(conn: Connection) -> None:
            conn.execute(
                update(pos_returns)
                .where(pos_returns.c.id == return_id)
                .values(refund_reference=refund_reference)
            )

        await self._write(work)

    async def pos_returns(self, sale_id: str) -> list[PosReturn]:
        c = pos_returns.c
        query = select(pos_returns).where(c.sale_id == sale_id).order_by(c.created_at, c.id)
        async with self._engine.connect() as conn:
            return [rows.return_of(r) for r in (await conn.execute(query)).mappings()]


def _sale_in(conn: Connection, where: ColumnElement[bool]) -> PosSale | None:
    found = conn.execute(select(pos_sales).where(where)).mappings().one_or_none()
    if found is None:
        return None
    lines = conn.execute(select(pos_sale_lines).where(pos_sale_lines.c.sale_id == found["id"]))
    return rows.sale_of(found, lines.mappings().all())


def _chunks(sales: Sequence[PosSale]) -> list[Sequence[PosSale]]:
    """In order, at most ``LINES_PER_TRANSACTION`` lines each (a sale is never split): the
    statements' bound parameters stay below SQLite's limit, whatever a caller passes."""
    chunks: list[Sequence[PosSale]] = []
    start, lines = 0, 0
    for at, sale in enumerate(sales):
        if lines + len(sale.lines) > LINES_PER_TRANSACTION and at > start:
            chunks.append(sales[start:at])
            start, lines = at, 0
        lines += len(sale.lines)
    if start < len(sales):
        chunks.append(sales[start:])
    return chunks


def _sales_by_id(conn: Connection, ids: Sequence[str]) -> dict[tuple[str, str], PosSale]:
    """By (store code, idempotency key)."""
    found = conn.execute(select(pos_sales).where(pos_sales.c.id.in_(ids))).mappings().all()
    lines = conn.execute(select(pos_sale_lines).where(pos_sale_lines.c.sale_id.in_(ids)))
    by_sale: dict[str, list[RowMapping]] = {sale_id: [] for sale_id in ids}
    for line in lines.mappings():
        by_sale[line["sale_id"]].append(line)
    out = {}
    for row in found:
        sale = rows.sale_of(row, by_sale[row["id"]])
        out[sale.store_code, sale.idempotency_key] = sale
    return out
