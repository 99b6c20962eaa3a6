"""``StaffRepository`` in a Python process (``record/memory_store.py`` composes it)."""

from __future__ import annotations

from dataclasses import replace

from flashsale.kernel.errors import Conflict
from flashsale.staff.model import StaffMember


class MemoryStaffRepository:
    def __init__(self) -> None:
        super().__init__()
        self._staff: dict[str, StaffMember] = {}
        self._staff_by_email: dict[str, str] = {}

    async def add_staff_member(self, member: StaffMember) -> None:
        if member.id in self._staff or member.email in self._staff_by_email:
            raise Conflict("a staff member with this id or email exists already")
        self._staff[member.id] = member
        self._staff_by_email[member.email] = member.id

    async def staff_member(self, staff_id: str) -> StaffMember | None:
        return self._staff.get(staff_id)

    async def staff_member_by_email(self, email: str) -> StaffMember | None:
        staff_id = self._staff_by_email.get(email)
        return None if staff_id is None else self._staff[staff_id]

    async def staff_members(self) -> list[StaffMember]:
        return sorted(self._staff.values(), key=lambda m: (m.created_at, m.id))

    async def disable_staff_member(self, staff_id: str) -> StaffMember | None:
        member = self._staff.get(staff_id)
        if member is None:
            return None
        disabled = replace(member, active=False, session_generation=member.session_generation + 1)
        self._staff[staff_id] = disabled
        return disabled
