"""What the staff's domain needs from the outside world."""

from __future__ import annotations

from typing import Protocol

from flashsale.staff.model import StaffMember


class StaffRepository(Protocol):
    """Staff members in the record. Raises ``Conflict`` on a taken id or email, returns None
    when absent."""

    async def add_staff_member(self, member: StaffMember) -> None: ...

    async def staff_member(self, staff_id: str) -> StaffMember | None: ...

    async def staff_member_by_email(self, email: str) -> StaffMember | None: ...

    async def staff_members(self) -> list[StaffMember]:
        """Every member, disabled ones too, oldest first."""
        ...

    async def disable_staff_member(self, staff_id: str) -> StaffMember | None:
        """Mark the member inactive and raise their session generation, in one statement; the
        member as stored now, None when there is no such member. Disabling twice is harmless."""
        ...
