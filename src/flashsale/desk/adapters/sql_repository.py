"""``DeskRepository`` on SQLAlchemy Core, SQLite and PostgreSQL alike.

Writes come in batches, one transaction each: ``add_cases`` (cases, messages, events: three
multi-row inserts) and ``change_cases``, which reads the batch's versions once (locking the
rows on PostgreSQL), writes the cases still at their expected version with one executemany,
and, for a router, moves its cursor by compare-and-set first, so a batch is written once
whatever the number of routers. ``commit_routers`` does that for every market's router in
one transaction: one commit a routing step, not one a market.
"""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import orjson
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
from flashsale.desk.adapters import sqlite_rows
from flashsale.desk.adapters.sql_config import SqlDeskConfig
from flashsale.desk.adapters.sql_tables import (
    case_events,
    desk_agents,
    desk_cases,
    desk_messages,
    desk_router_cursors,
)
from flashsale.desk.domain.case import DONE, LOADING, Case, CaseMessage
from flashsale.desk.domain.events import CaseEvent, CaseEventKind, CaseEventPage, EventCursor
from flashsale.desk.domain.staffing import DeskAgent
from flashsale.desk.ports import CaseChange, CaseQuery, CursorMove, NewCase, RouterBatch, View
from flashsale.kernel.errors import Conflict
from flashsale.platform.sql.database import IDS_PER_STATEMENT, conflict
from flashsale.platform.sql.engine import configure_sqlite_connection

_c = desk_cases.c
_e = case_events.c
_UPDATED = [c.name for c in desk_cases.columns if c.name not in ("id", "version")]
# The oldest transaction still running on the server (orders/adapters/sql_events.py says why).
_OLDEST_RUNNING: ColumnClause[int] = literal_column(
    "pg_snapshot_xmin(pg_current_snapshot())::text::bigint"
)


class SqlDeskRepository(SqlDeskConfig):
    # SQLite: an agent's own view read on the event loop's thread, on a connection of its
    # own that never waits for a lock (see ``list_cases``).
    _on_loop: sqlite3.Connection | None = None

    async def close(self) -> None:
        on_loop, self._on_loop = self._on_loop, None
        if on_loop is not None:
            on_loop.close()
        await super().close()

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

        def work(conn: Connection) -> None:
            # The rows are built here, on the writer's thread as ``_changes`` builds its own:
            # on the event loop a batch's rows (up to a thousand cases) were one stretch that
            # every request waited behind (over a 50,000-contact day, the batches' steps over
            # 10 ms held the loop 68 ms each on average, 25 ms of it CPU).
            case_rows = [rows.case_row(n.case) for n in cases]
            message_rows = [rows.message_row(m) for n in cases for m in n.messages]
            event_rows = [rows.event_row(e) for n in cases for e in n.events]
            if self._dialect == "sqlite":
                _SQLITE_CASES.run(conn, case_rows)
                _SQLITE_MESSAGES.run(conn, message_rows)
                _SQLITE_EVENTS_IN.run(conn, event_rows)
                return
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
        if cursor is not None:
            (answer,) = await self.commit_routers([RouterBatch(changes, cursor)])
            return answer
        with conflict("a message with this Message-ID exists already"):
            written = await self._write(functools.partial(self._changes, [changes]))
        return written[0]

    async def commit_routers(self, batches: Sequence[RouterBatch]) -> list[set[str] | None]:
        def work(conn: Connection) -> list[set[str] | None]:
            # Every cursor first, in one order: two processes' routers never wait in a circle.
            order = sorted(range(len(batches)), key=lambda i: batches[i].cursor.market)
            moved = {i for i in order if _move_cursor(conn, batches[i].cursor)}
            written = iter(
                self._changes([b.changes for i, b in enumerate(batches) if i in moved], conn)
            )
            return [next(written) if i in moved else None for i in range(len(batches))]

        try:
            with conflict("a message with this Message-ID exists already"):
                return await self._write(work)
        except Conflict:
            if any(b.cursor.expected is None for b in batches):
                return [None] * len(batches)  # another router stored a first cursor meanwhile
            raise

    def _changes(self, batches: Sequence[Sequence[CaseChange]], conn: Connection) -> list[set[str]]:
        """Each batch's changes whose case is still at its expected version (one change of a
        case a batch, as the memory record), written with one statement of each kind: the
        versions read (locked on PostgreSQL, in id order), one executemany of the updates."""
        ids = sorted({c.case.id for changes in batches for c in changes})
        versions: dict[str, int] = {}
        for start in range(0, len(ids), IDS_PER_STATEMENT):
            query = select(_c.id, _c.version).where(
                _c.id.in_(ids[start : start + IDS_PER_STATEMENT])
            )
            if self._dialect == "postgresql":
                query = query.order_by(_c.id).with_for_update()
            versions.update({row[0]: row[1] for row in conn.execute(query)})
        answers, kept = [], []
        for changes in batches:
            seen: set[str] = set()
            written: set[str] = set()
            for change in changes:
                case_id = change.case.id
                if case_id not in seen and versions.get(case_id) == change.expected_version:
                    kept.append(change)
                    written.add(case_id)
                    versions[case_id] = -1  # a second batch's change of it was not written
                seen.add(case_id)
            answers.append(written)
        if not kept:
            return answers
        messages = [rows.message_row(m) for c in kept for m in c.messages]
        events = [rows.event_row(e) for c in kept for e in c.events]
        if self._dialect == "sqlite":
            # Only the columns a change moved: SQLite rewrites the entries of every index on a
            # column an UPDATE sets, changed or not (an assignment setting all of them cost
            # about five times one setting three).
            updates: dict[tuple[str, ...], list[dict[str, Any]]] = {}
            for change in kept:
                row = rows.case_row(change.case)
                names = _EVERY_COLUMN
                before = change.before
                if before is not None and before.version == change.expected_version:
                    old = rows.case_row(before)
                    names = (*(k for k in _UPDATED if row[k] != old[k]), "version")
                row["version"] = change.expected_version + 1
                row["b_id"] = change.case.id
                row["b_version"] = change.expected_version
                updates.setdefault(names, []).append(row)
            for names, group in updates.items():
                _sqlite_update(names).run(conn, group)
            _SQLITE_MESSAGES.run(conn, messages)
            _SQLITE_EVENTS_IN.run(conn, events)
            return answers
        case_rows = []
        for change in kept:
            row = {f"v_{k}": v for k, v in rows.case_row(change.case).items()}
            row["b_id"] = change.case.id
            row["b_version"] = change.expected_version
            row["v_version"] = change.expected_version + 1
            case_rows.append(row)
        conn.execute(_GUARDED_UPDATE, case_rows)
        if messages:
            conn.execute(desk_messages.insert(), messages)
        if events:
            conn.execute(case_events.insert(), events)
        return answers

    async def cases_by_id(self, case_ids: Sequence[str]) -> dict[str, Case]:
        found: dict[str, Case] = {}
        for start in range(0, len(case_ids), IDS_PER_STATEMENT):
            chunk = list(case_ids[start : start + IDS_PER_STATEMENT])
            if self._reader is not None:  # SQLite: one hop to the reader's thread
                marks = ", ".join("?" for _ in chunk)
                read = functools.partial(_sqlite_cases, f"id IN ({marks})", chunk, "")
                cases = await self._reader.read(read)
            else:
                cases = await self._cases(select(desk_cases).where(_c.id.in_(chunk)))
            for case in cases:
                found[case.id] = case
        return found

    async def case_by_number(self, number: str) -> Case | None:
        found = await self._cases(select(desk_cases).where(_c.number == number))
        return found[0] if found else None

    async def cases_of_customer(self, customer_id: str, limit: int) -> list[Case]:
        query = select(desk_cases).where(_c.customer_id == customer_id)
        return await self._cases(query.order_by(_c.id.desc()).limit(limit))

    async def list_cases(self, query: CaseQuery, after: str | None, limit: int) -> list[Case]:
        if self._reader is not None:  # SQLite: one hop, what an agent's page asks all day
            where, params = _sqlite_view(query, after)
            read = functools.partial(_sqlite_cases, where, [*params, limit], " ORDER BY id LIMIT ?")
            if query.view is View.MINE:
                found = self._read_on_loop(read)
                if found is not None:
                    return found
            return await self._reader.read(read)
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

    def _read_on_loop(self, read: Callable[[sqlite3.Connection], list[Case]]) -> list[Case] | None:
        """``read`` right here, or None when SQLite's lock is taken (then the reader's thread).

        An agent's own view is small (their cases, by the assignee's index: a few hundred
        over a record day, under a millisecond) and asked all day. Through the reader's
        thread it cost three hand-offs of the GIL (the thread woken, its rows, the answer
        back on the loop), each waiting on the day's busy loop: measured over a
        50,000-contact day, p99 34 ms queued, 11 ms reading, 29 ms coming back, for a read
        of 0.2 ms. A connection that waits for no lock keeps a write's checkpoint from ever
        blocking the loop."""
        if self._on_loop is None:
            database = self._engine.url.database
            assert database, "a SQLite file: an in-memory database is private to its connection"
            # Any thread's loop may ask (a test client serves the app from a thread of its own);
            # SQLite serialises a connection's calls itself.
            on_loop = sqlite3.connect(database, isolation_level=None, check_same_thread=False)
            configure_sqlite_connection(on_loop, None, synchronous="NORMAL")  # reads only
            on_loop.execute("PRAGMA busy_timeout=0")
            self._on_loop = on_loop
        try:
            return read(self._on_loop)
        except sqlite3.OperationalError as busy:
            code = getattr(busy, "sqlite_errorcode", None)
            if code not in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
                raise
            return None

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
        elif self._reader is not None:  # SQLite: one hop to the reader's thread
            events = await self._reader.read(
                functools.partial(_sqlite_events, after, limit, market)
            )
            return CaseEventPage(events, events[-1].cursor if events else after)
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


_SQLITE_CASES = sqlite_rows.insert(desk_cases)
_EVERY_COLUMN = (*_UPDATED, "version")


@functools.lru_cache(maxsize=256)
def _sqlite_update(columns: tuple[str, ...]) -> sqlite_rows.Statement:
    return sqlite_rows.guarded_update(desk_cases, "id", "version", columns)


_SQLITE_MESSAGES = sqlite_rows.insert(desk_messages)
_SQLITE_EVENTS_IN = sqlite_rows.insert(case_events, skip=("seq", "xid"))

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


_SQLITE_EVENTS = (
    "SELECT seq, case_id, market, kind, at, actor, data FROM case_events"
    " WHERE seq > ?{market} ORDER BY seq LIMIT ?"
)


def _sqlite_events(
    after: EventCursor, limit: int, market: str | None, db: sqlite3.Connection
) -> list[CaseEvent]:
    """On the SQLite reader's thread: the feed's page as ``rows.event_of`` reads it, without
    SQLAlchemy's result machinery (the routers read every event of the day)."""
    if market is None:
        found = db.execute(_SQLITE_EVENTS.format(market=""), (after.seq, limit))
    else:
        found = db.execute(
            _SQLITE_EVENTS.format(market=" AND market = ?"), (after.seq, market, limit)
        )
    return [
        CaseEvent(
            _KINDS[kind],
            rows.sqlite_moment(at),
            actor,
            market_code,
            case_id,
            (orjson.loads(data) if data else None) or {},
            EventCursor(0, seq),
        )
        for seq, case_id, market_code, kind, at, actor, data in found
    ]


_KINDS = {kind.value: kind for kind in CaseEventKind}


_CASE_FIELDS = [(c.name, sqlite_rows.reader(c)) for c in desk_cases.columns]
_SQLITE_CASES_READ = "SELECT {columns} FROM desk_cases WHERE {{where}}{{tail}}".format(
    columns=", ".join(f'"{name}"' for name, _ in _CASE_FIELDS)
)
_OPEN = "status NOT IN ({})".format(", ".join(f"'{s.value}'" for s in sorted(DONE)))


def _sqlite_view(query: CaseQuery, after: str | None) -> tuple[str, list[Any]]:
    """``list_cases``' filter as SQLite text, as SQLAlchemy renders it for the other path
    (an absent agent or queue compares as IS NULL)."""
    where: list[str] = []
    params: list[Any] = []

    def equal(column: str, value: str | None) -> None:
        if value is None:
            where.append(f"{column} IS NULL")
        else:
            where.append(f"{column} = ?")
            params.append(value)

    if query.view is View.MINE:
        equal("assignee", query.agent)
        where.append(_OPEN)
    elif query.view is View.QUEUE:
        equal("queue", query.queue)
        where.append(_OPEN)
    elif query.view is View.UNASSIGNED:
        where += ["assignee IS NULL", "routed_at IS NOT NULL", _OPEN]
    else:
        where.append("next_due <= ?")
        params.append(sqlite_rows.sqlite_time(query.now))
    if query.markets:
        # "+market" for an agent's and a queue's views: not by the (market, created_at) index,
        # which SQLite otherwise picks and then reads a whole market's cases (a million-case
        # day: seconds a page) for an agent's handful; the view's own index narrows first.
        plain = query.view in (View.MINE, View.QUEUE)
        marks = ", ".join("?" for _ in query.markets)
        where.append(f"+market IN ({marks})" if plain else f"market IN ({marks})")
        params += sorted(query.markets)
    if after is not None:
        where.append("id > ?")
        params.append(after)
    return " AND ".join(where), params


def _sqlite_cases(
    where: str, params: Sequence[Any], tail: str, db: sqlite3.Connection
) -> list[Case]:
    """On the SQLite reader's thread: cases as ``rows.case_of`` reads them, each value read
    back as SQLAlchemy's column types read it."""
    found = db.execute(_SQLITE_CASES_READ.format(where=where, tail=tail), params).fetchall()
    fields = _CASE_FIELDS
    return [
        rows.case_of(
            {
                name: value if read is None or value is None else read(value)
                for (name, read), value in zip(fields, row, strict=True)
            }
        )
        for row in found
    ]
