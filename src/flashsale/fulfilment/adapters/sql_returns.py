"""``ReturnRepository`` on SQLAlchemy Core: a return's move, its event and its stock moves in
one transaction, guarded by the status it was read in."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Connection, func, insert, select, text, update
from sqlalchemy.exc import IntegrityError

from flashsale.fulfilment.adapters.return_rows import EVENT_OF, event_data, return_of, return_row
from flashsale.fulfilment.adapters.sql_wave_tables import returns
from flashsale.fulfilment.domain.returns import LIVE, Return, ReturnStatus
from flashsale.inventory.adapters.sql_rows import move_row
from flashsale.inventory.adapters.sql_tables import stock_levels, stock_moves
from flashsale.inventory.domain.stock import Move
from flashsale.inventory.errors import InsufficientOnHand
from flashsale.platform.sql.database import IDS_PER_STATEMENT, SqlDatabase

r = returns.c
lv = stock_levels.c


class SqlReturnRepository(SqlDatabase):
    # The order event feed's (``SqlOrderEventFeed``), in the composed store.
    _append_events: Callable[[Connection, list[dict[str, Any]]], None]

    def _return_event(self, ret: Return, actor: str) -> dict[str, Any]:
        return {
            "order_id": ret.order_id,
            "kind": EVENT_OF[ret.status].value,
            "at": ret.updated_at,
            "actor": actor,
            "data": event_data(ret),
        }

    async def add_return(self, ret: Return, actor: str, most: int) -> bool:
        def work(conn: Connection) -> bool:
            if self._dialect == "postgresql":
                # Requests for one order take turns, so each counts the ones before it;
                # SQLite's one writer already runs them one after another.
                conn.execute(
                    text("SELECT pg_advisory_xact_lock(hashtext(:key))"),
                    {"key": f"returns:{ret.order_id}"},
                )
            taken = conn.scalar(
                select(func.coalesce(func.sum(r.quantity), 0)).where(
                    r.order_id == ret.order_id, r.status.in_([s.value for s in LIVE])
                )
            )
            if int(taken or 0) + ret.quantity > most:
                return False
            conn.execute(insert(returns).values(return_row(ret)))
            self._append_events(conn, [self._return_event(ret, actor)])
            return True

        return await self._write(work)

    async def move_return(
        self, expected: ReturnStatus, after: Return, actor: str, moves: Sequence[Move]
    ) -> bool:
        row = return_row(after)
        del row["id"]

        def work(conn: Connection) -> bool:
            done = conn.execute(
                update(returns).where(r.id == after.id, r.status == expected.value).values(row)
            ).rowcount
            if done != 1:
                return False
            changes: dict[tuple[str, str], int] = defaultdict(int)
            for move in moves:
                changes[move.location, move.sku] += move.on_hand_change
            for (location, sku), change in sorted(changes.items()):
                conn.execute(
                    self._insert(stock_levels)
                    .values(location=location, sku=sku, on_hand=0, allocated=0, committed=0)
                    .on_conflict_do_nothing(index_elements=[lv.location, lv.sku])
                )
                if change:
                    try:
                        conn.execute(
                            update(stock_levels)
                            .where(lv.location == location, lv.sku == sku)
                            .values(on_hand=lv.on_hand + change)
                        )
                    except IntegrityError as exc:  # the levels' CHECKs
                        raise InsufficientOnHand(f"{sku} at {location}: {exc.orig}") from exc
            if moves:
                conn.execute(insert(stock_moves), [move_row(m) for m in moves])
            self._append_events(conn, [self._return_event(after, actor)])
            return True

        return await self._write(work)

    async def return_(self, return_id: str) -> Return | None:
        async with self._engine.connect() as conn:
            row = (
                (await conn.execute(select(returns).where(r.id == return_id)))
                .mappings()
                .one_or_none()
            )
        return None if row is None else return_of(row)

    async def returns(self, status: ReturnStatus | None = None, limit: int = 100) -> list[Return]:
        query = select(returns).order_by(r.requested_at, r.id).limit(limit)
        if status is not None:
            query = query.where(r.status == status.value)
        async with self._engine.connect() as conn:
            return [return_of(x) for x in (await conn.execute(query)).mappings()]

    async def returns_of(self, order_ids: Sequence[str]) -> list[Return]:
        ids = list(dict.fromkeys(order_ids))
        found: list[Return] = []
        async with self._engine.connect() as conn:
            for start in range(0, len(ids), IDS_PER_STATEMENT):
                query = select(returns).where(
                    r.order_id.in_(ids[start : start + IDS_PER_STATEMENT])
                )
                found.extend(return_of(x) for x in (await conn.execute(query)).mappings())
        return sorted(found, key=lambda x: (x.order_id, x.requested_at, x.id))
