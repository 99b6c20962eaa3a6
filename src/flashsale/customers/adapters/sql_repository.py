"""``CustomerRepository`` on SQLAlchemy Core."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, select, update

from flashsale.customers.adapters import sql_rows as rows
from flashsale.customers.adapters.sql_tables import customers, session_revocations
from flashsale.customers.model import Customer
from flashsale.customers.sessions import SessionRevocation
from flashsale.platform.sql.database import IDS_PER_STATEMENT, SqlDatabase, conflict


class SqlCustomerRepository(SqlDatabase):
    async def add_customers(self, customers_: Sequence[Customer]) -> None:
        if not customers_:
            return
        params = [rows.customer_row(c) for c in customers_]
        with conflict("a customer with this id or email exists already"):
            await self._write(lambda conn: conn.execute(customers.insert(), params))

    async def customer(self, customer_id: str) -> Customer | None:
        return await self._one_customer(customers.c.id == customer_id)

    async def customer_by_email(self, email: str) -> Customer | None:
        return await self._one_customer(customers.c.email == email)

    async def customers_by_id(self, customer_ids: Sequence[str]) -> dict[str, Customer]:
        wanted = sorted(set(customer_ids))
        found: dict[str, Customer] = {}
        async with self._engine.connect() as conn:
            for start in range(0, len(wanted), IDS_PER_STATEMENT):
                chunk = wanted[start : start + IDS_PER_STATEMENT]
                query = select(customers).where(customers.c.id.in_(chunk))
                for row in (await conn.execute(query)).mappings():
                    customer = rows.customer_of(row)
                    found[customer.id] = customer
        return found

    async def customers_by_email_prefix(self, prefix: str, limit: int) -> list[Customer]:
        # LIKE rather than a range on the index: a range's bounds depend on the database's
        # collation, LIKE's match does not. An operator's search, not a purchase: a scan is fine.
        escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = select(customers).where(customers.c.email.like(f"{escaped}%", escape="\\"))
        async with self._engine.connect() as conn:
            found = await conn.execute(query.order_by(customers.c.email).limit(limit))
            return [rows.customer_of(row) for row in found.mappings()]

    async def _one_customer(self, where: Any) -> Customer | None:
        async with self._engine.connect() as conn:
            row = (await conn.execute(select(customers).where(where))).mappings().one_or_none()
        return None if row is None else rows.customer_of(row)

    async def end_sessions(
        self, customer_id: str, revoked_at: datetime, expires_at: datetime
    ) -> SessionRevocation | None:
        return await self._end_sessions(customer_id, {}, revoked_at, expires_at)

    async def change_password(
        self,
        customer_id: str,
        password_hash: str,
        revoked_at: datetime,
        expires_at: datetime,
        *,
        replacing: str | None = None,
    ) -> SessionRevocation | None:
        changes = {"password_hash": password_hash}
        # The guard is in the UPDATE itself: a second writer waiting on the row lock re-reads
        # it (PostgreSQL) or runs after the first (SQLite's one writer), and matches nothing.
        guard = [] if replacing is None else [customers.c.password_hash == replacing]
        return await self._end_sessions(customer_id, changes, revoked_at, expires_at, guard)

    async def _end_sessions(
        self,
        customer_id: str,
        changes: dict[str, Any],
        revoked_at: datetime,
        expires_at: datetime,
        guard: Sequence[Any] = (),
    ) -> SessionRevocation | None:
        raise_generation = (
            update(customers)
            .where(customers.c.id == customer_id, *guard)
            .values(session_generation=customers.c.session_generation + 1, **changes)
            .returning(customers.c.session_generation)
        )

        def work(conn: Connection) -> SessionRevocation | None:
            generation = conn.execute(raise_generation).scalar_one_or_none()
            if generation is None:
                return None
            revocation = SessionRevocation(customer_id, None, generation, revoked_at, expires_at)
            conn.execute(session_revocations.insert(), rows.revocation_row(revocation))
            return revocation

        return await self._write(work)

    async def add_session_revocation(self, revocation: SessionRevocation) -> None:
        row = rows.revocation_row(revocation)
        await self._write(lambda conn: conn.execute(session_revocations.insert(), row))

    async def session_revocations_since(self, since: datetime) -> list[SessionRevocation]:
        query = (
            select(session_revocations)
            .where(session_revocations.c.revoked_at >= since)
            .order_by(session_revocations.c.seq)
        )
        async with self._engine.connect() as conn:
            found = (await conn.execute(query)).mappings().all()
        return [rows.revocation_of(row) for row in found]

    async def forget_session_revocations(self, expired_by: datetime) -> None:
        expired = delete(session_revocations).where(session_revocations.c.expires_at <= expired_by)
        await self._write(lambda conn: conn.execute(expired))
