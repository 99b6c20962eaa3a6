"""``StaffRepository`` on SQLAlchemy Core."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select, update

from flashsale.platform.sql.database import SqlDatabase, conflict
from flashsale.staff.adapters import sql_rows as rows
from flashsale.staff.adapters.sql_tables import staff_members
from flashsale.staff.model import StaffMember


class SqlStaffRepository(SqlDatabase):
    async def add_staff_member(self, member: StaffMember) -> None:
        row = rows.member_row(member)
        with conflict("a staff member with this id or email exists already"):
            await self._write(lambda conn: conn.execute(staff_members.insert(), row))

    async def staff_member(self, staff_id: str) -> StaffMember | None:
        return await self._one_member(staff_members.c.id == staff_id)

    async def staff_member_by_email(self, email: str) -> StaffMember | None:
        return await self._one_member(staff_members.c.email == email)

    async def _one_member(self, where: Any) -> StaffMember | None:
        async with self._engine.connect() as conn:
            found = await conn.execute(select(staff_members).where(where))
            row = found.mappings().one_or_none()
        return None if row is None else rows.member_of(row)

    async def staff_members(self) -> list[StaffMember]:
        query = select(staff_members).order_by(staff_members.c.created_at, staff_members.c.id)
        async with self._engine.connect() as conn:
            found = (await conn.execute(query)).mappings().all()
        return [rows.member_of(row) for row in found]

    async def disable_staff_member(self, staff_id: str) -> StaffMember | None:
        disable = (
            update(staff_members)
            .where(staff_members.c.id == staff_id)
            .values(active=False, session_generation=staff_members.c.session_generation + 1)
            .returning(*staff_members.c)
        )

        def work(conn: Connection) -> StaffMember | None:
            row = conn.execute(disable).mappings().one_or_none()
            return None if row is None else rows.member_of(row)

        return await self._write(work)
