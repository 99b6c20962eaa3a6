"""``StoreRepository`` on SQLAlchemy Core: SQLite and PostgreSQL.

A POS sale is one transaction: the store's receipt counter is moved first (on PostgreSQL its
row lock makes a store's sales take turns, which is what keeps the numbers gap-free and in
order), then each line's level is decremented with the guard in the statement itself
(``on_hand - allocated - committed >= quantity``), then the sale, its lines and its ``ship``
moves are written. A short line raises and rolls everything back, counter included.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from sqlalchemy import ColumnElement, Connection, delete, insert, select, update

from flashsale.inventory.adapters import sql_rows as inventory_rows
from flashsale.inventory.adapters.sql_tables import locations, stock_levels, stock_moves
from flashsale.inventory.domain.location import Location
from flashsale.inventory.domain.stock import Move
from flashsale.kernel.errors import NotFound
from flashsale.platform.sql.database import SqlDatabase, conflict
from flashsale.stores.adapters import sql_rows as rows
from flashsale.stores.adapters.sql_tables import (
    pos_returns,
    pos_sale_lines,
    pos_sales,
    store_clerks,
    stores,
    tills,
)
from flashsale.stores.domain.ledger import return_moves, sale_moves
from flashsale.stores.domain.returns import PosReturn
from flashsale.stores.domain.sale import PosSale
from flashsale.stores.domain.store import StoreProfile
from flashsale.stores.domain.till import Till
from flashsale.stores.errors import InsufficientStoreStock, ReturnExceedsSale


def _moves(conn: Connection, moves: Sequence[Move]) -> None:
    if moves:
        conn.execute(insert(stock_moves), [inventory_rows.move_row(m) for m in moves])


class SqlStoreRepository(SqlDatabase):
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
        s, lv, ps = stores.c, stock_levels.c, pos_sales.c
        key = sale.idempotency_key

        def work(conn: Connection) -> PosSale:
            # The key's sale, if the store has one: a retry is answered without another read.
            twin = _sale_in(conn, (ps.store_code == sale.store_code) & (ps.idempotency_key == key))
            if twin is not None:
                return twin
            number = conn.execute(
                update(stores)
                .where(s.code == sale.store_code)
                .values(last_receipt=s.last_receipt + 1)
                .returning(s.last_receipt)
            ).scalar_one_or_none()
            if number is None:
                raise NotFound(f"no store {sale.store_code}")
            numbered = replace(sale, number=int(number))
            # In SKU order: two sales of the same SKUs lock their levels in the same order.
            for line in sorted(sale.lines, key=lambda x: x.sku):
                here = (lv.location == sale.store_code) & (lv.sku == line.sku)
                taken = conn.execute(
                    update(stock_levels)
                    .where(here, lv.on_hand - lv.allocated - lv.committed >= line.quantity)
                    .values(on_hand=lv.on_hand - line.quantity)
                ).rowcount
                if taken != 1:
                    free = conn.execute(
                        select(lv.on_hand - lv.allocated - lv.committed).where(here)
                    ).scalar_one_or_none()
                    raise InsufficientStoreStock(
                        f"{sale.store_code} has {free or 0} of {line.sku} free; the sale asks"
                        f" {line.quantity}"
                    )
            conn.execute(insert(pos_sales).values(rows.sale_row(numbered)))
            conn.execute(insert(pos_sale_lines), rows.line_rows(numbered))
            _moves(conn, sale_moves(numbered))
            return numbered

        with conflict(f"{sale.store_code} has a sale with this Idempotency-Key already"):
            return await self._write(work)

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
