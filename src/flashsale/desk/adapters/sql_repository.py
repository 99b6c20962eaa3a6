"""``DeskRepository`` on SQLAlchemy Core, SQLite and PostgreSQL alike.

Writes come in batches, one transaction each: ``add_cases`` (cases, messages, events: three
multi-row inserts) and ``change_cases``, which reads the batch's versions once (locking the
rows on PostgreSQL), writes the cases still at their expected version with one executemany,
and, for a router, moves its cursor by compare-and-set first, so a batch is written once
whatever the number of routers.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnClause,
    Connection,
    bindparam,
    delete,
    literal_column,
    select,
    tuple_,
    update,
)

from flashsale.desk.adapters import sql_rows as rows
from flashsale.desk.adapters.sql_config import SqlDeskConfig
from flashsale.desk.adapters.sql_tables import (
    case_events,
    desk_agents,
    desk_cases,
    desk_messages,
    desk_router_cursors,
)
from flashsale.desk.domain.case import DONE, LOADING, Case, CaseMessage
from flashsale.desk.domain.events import CaseEvent, CaseEventPage, EventCursor
from flashsale.desk.domain.staffing import DeskAgent
from flashsale.desk.ports import CaseChange, CaseQuery, CursorMove, NewCase, View
from flashsale.kernel.errors import Conflict
from flashsale.platform.sql.database import IDS_PER_STATEMENT, conflict

_c = desk_cases.c
_e = case_events.c
_UPDATED = [c.name for c in desk_cases.columns if c.name not in ("id", "version")]
# The oldest transaction still running on the server (orders/adapters/sql_events.py says why).
_OLDEST_RUNNING: ColumnClause[int] = literal_column(
    "pg_snapshot_xmin(pg_current_snapshot())::text::bigint"
)


class _CursorMoved(Exception):
    """Another router moved the cursor first: the batch is rolled back."""


class SqlDeskRepository(SqlDeskConfig):
    async def put_desk_agent(self, agent: DeskAgent, event: CaseEvent) -> None:
        row = rows.agent_row(agent)

        def work(conn: Connection) -> None:
            conn.execute(delete(desk_agents).where(desk_agents.c.staff_id == agent.staff_id))
            conn.execute(desk_agents.insert(), row)
            conn.execute(case_events.insert(), [rows.event_row(event)])

        await self._write(work)

    async def desk_agents(self) -> list[DeskAgent]:
        query = select(desk_agents).order_by(desk_agents.c.staff_id)
        async with self._engine.connect() as conn:
            found = (await conn.execute(query)).mappings().all()
        return [rows.agent_of(row) for row in found]

    async def add_cases(self, cases: Sequence[NewCase]) -> None:
        if not cases:
            return
        case_rows = [rows.case_row(n.case) for n in cases]
        message_rows = [rows.message_row(m) for n in cases for m in n.messages]
        event_rows = [rows.event_row(e) for n in cases for e in n.events]

        def work(conn: Connection) -> None:
            conn.execute(desk_cases.insert(), case_rows)
            if message_rows:
                conn.execute(desk_messages.insert(), message_rows)
            if event_rows:
                conn.execute(case_events.insert(), event_rows)

        with conflict("a case with this id, number or Message-ID exists already"):
            await self._write(work)

    async def change_cases(
        self, changes: Sequence[CaseChange], cursor: CursorMove | None = None
    ) -> set[str] | None:
        ids = [c.case.id for c in changes]
        postgres = self._dialect == "postgresql"

        def work(conn: Connection) -> set[str]:
            if cursor is not None and not _move_cursor(conn, cursor):
                raise _CursorMoved
            versions: dict[str, int] = {}
            for start in range(0, len(ids), IDS_PER_STATEMENT):
                query = select(_c.id, _c.version).where(
                    _c.id.in_(ids[start : start + IDS_PER_STATEMENT])
                )
                if postgres:
                    query = query.order_by(_c.id).with_for_update()
                versions.update({row[0]: row[1] for row in conn.execute(query)})
            kept, seen = [], set()
            for change in changes:  # one change of a case a batch, as the memory record
                if change.case.id not in seen and versions.get(change.case.id) == (
                    change.expected_version
                ):
                    kept.append(change)
                seen.add(change.case.id)
            if not kept:
                return set()
            case_rows = []
            for change in kept:
                row = {f"v_{k}": v for k, v in rows.case_row(change.case).items()}
                row["b_id"] = change.case.id
                row["b_version"] = change.expected_version
                row["v_version"] = change.expected_version + 1
                case_rows.append(row)
            conn.execute(_GUARDED_UPDATE, case_rows)
            messages = [rows.message_row(m) for c in kept for m in c.messages]
            events = [rows.event_row(e) for c in kept for e in c.events]
            if messages:
                conn.execute(desk_messages.insert(), messages)
            if events:
                conn.execute(case_events.insert(), events)
            return {c.case.id for c in kept}

        try:
            with conflict("a message with this Message-ID exists already"):
                return await self._write(work)
        except _CursorMoved:
            return None
        except Conflict:
            if cursor is not None and cursor.expected is None:
                return None  # another router stored the first cursor meanwhile
            raise

    async def cases_by_id(self, case_ids: Sequence[str]) -> dict[str, Case]:
        found: dict[str, Case] = {}
        for start in range(0, len(case_ids), IDS_PER_STATEMENT):
            chunk = list(case_ids[start : start + IDS_PER_STATEMENT])
            for case in await self._cases(select(desk_cases).where(_c.id.in_(chunk))):
                found[case.id] = case
        return found

    async def case_by_number(self, number: str) -> Case | None:
        found = await self._cases(select(desk_cases).where(_c.number == number))
        return found[0] if found else None

    async def cases_of_customer(self, customer_id: str, limit: int) -> list[Case]:
        query = select(desk_cases).where(_c.customer_id == customer_id)
        return await self._cases(query.order_by(_c.id.desc()).limit(limit))

    async def list_cases(self, query: CaseQuery, after: str | None, limit: int) -> list[Case]:
        open_ = _c.status.not_in([s.value for s in DONE])
        select_ = select(desk_cases)
        if query.view is View.MINE:
            select_ = select_.where(_c.assignee == query.agent, open_)
        elif query.view is View.QUEUE:
            select_ = select_.where(_c.queue == query.queue, open_)
        elif query.view is View.UNASSIGNED:
            select_ = select_.where(_c.assignee.is_(None), _c.routed_at.is_not(None), open_)
        else:
            select_ = select_.where(_c.next_due <= query.now)
        if query.markets:
            select_ = select_.where(_c.market.in_(sorted(query.markets)))
        if after is not None:
            select_ = select_.where(_c.id > after)
        return await self._cases(select_.order_by(_c.id).limit(limit))

    async def messages_of_case(self, case_id: str) -> list[CaseMessage]:
        m = desk_messages.c
        query = select(desk_messages).where(m.case_id == case_id).order_by(m.at, m.id)
        async with self._engine.connect() as conn:
            found = (await conn.execute(query)).mappings().all()
        return [rows.message_of(row) for row in found]

    async def case_of_mail(self, message_ids: Sequence[str]) -> str | None:
        if not message_ids:
            return None
        m = desk_messages.c
        query = select(m.case_id).where(m.email_message_id.in_(list(message_ids))).limit(1)
        async with self._engine.connect() as conn:
            found: str | None = (await conn.execute(query)).scalar_one_or_none()
        return found

    async def cases_due(self, now: datetime, limit: int) -> list[Case]:
        query = select(desk_cases).where(_c.next_due <= now).order_by(_c.id).limit(limit)
        return await self._cases(query)

    async def live_cases(self, market: str) -> list[Case]:
        query = select(desk_cases).where(
            _c.market == market,
            _c.status.in_([s.value for s in LOADING]),
            (_c.assignee.is_not(None)) | (_c.routed_at.is_not(None)),
        )
        return await self._cases(query.order_by(_c.id))

    async def cases_opened(self, market: str | None, start: datetime, end: datetime) -> list[Case]:
        query = select(desk_cases).where(_c.created_at >= start, _c.created_at < end)
        if market is not None:
            query = query.where(_c.market == market)
        return await self._cases(query.order_by(_c.id))

    async def _cases(self, query: Any) -> list[Case]:
        async with self._engine.connect() as conn:
            found = (await conn.execute(query)).mappings().all()
        return [rows.case_of(row) for row in found]

    async def read_case_events(
        self, after: EventCursor, limit: int, market: str | None = None
    ) -> CaseEventPage:
        query = select(case_events)
        if market is not None:
            query = query.where(_e.market == market)
        if self._dialect == "postgresql":
            query = (
                query.where(tuple_(_e.xid, _e.seq) > tuple_(after.xid, after.seq))
                .where(_e.xid < _OLDEST_RUNNING)
                .order_by(_e.xid, _e.seq)
            )
        else:
            query = query.where(_e.seq > after.seq).order_by(_e.seq)
        async with self._engine.connect() as conn:
            found = (await conn.execute(query.limit(limit))).mappings().all()
        events = [rows.event_of(row) for row in found]
        return CaseEventPage(events, events[-1].cursor if events else after)

    async def events_of_case(self, case_id: str) -> list[CaseEvent]:
        query = select(case_events).where(_e.case_id == case_id).order_by(_e.seq)
        async with self._engine.connect() as conn:
            found = (await conn.execute(query)).mappings().all()
        return [rows.event_of(row) for row in found]

    async def router_cursor(self, market: str) -> EventCursor | None:
        r = desk_router_cursors.c
        query = select(r.xid, r.seq).where(r.market == market)
        async with self._engine.connect() as conn:
            row = (await conn.execute(query)).one_or_none()
        return None if row is None else EventCursor(row[0], row[1])


_GUARDED_UPDATE = (
    update(desk_cases)
    .where(_c.id == bindparam("b_id"), _c.version == bindparam("b_version"))
    .values({name: bindparam(f"v_{name}") for name in [*_UPDATED, "version"]})
)


def _move_cursor(conn: Connection, move: CursorMove) -> bool:
    r = desk_router_cursors.c
    if move.expected is None:
        exists = conn.execute(select(r.market).where(r.market == move.market)).first()
        if exists is not None:
            return False
        conn.execute(
            desk_router_cursors.insert(),
            {"market": move.market, "xid": move.to.xid, "seq": move.to.seq},
        )
        return True
    moved = conn.execute(
        update(desk_router_cursors)
        .where(r.market == move.market, r.xid == move.expected.xid, r.seq == move.expected.seq)
        .values(xid=move.to.xid, seq=move.to.seq)
    )
    return moved.rowcount == 1
