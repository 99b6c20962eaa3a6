"""Staff members to table rows and back."""

from __future__ import annotations

from typing import Any

from sqlalchemy import RowMapping

from flashsale.staff.model import Role, StaffMember


def member_row(member: StaffMember) -> dict[str, Any]:
    return {
        "id": member.id,
        "email": member.email,
        "password_hash": member.password_hash,
        "roles": " ".join(sorted(member.roles)),
        "markets": " ".join(sorted(member.markets)),
        "languages": " ".join(member.languages),
        "active": member.active,
        "session_generation": member.session_generation,
        "created_at": member.created_at,
    }


def member_of(row: RowMapping) -> StaffMember:
    return StaffMember(
        id=row["id"],
        email=row["email"],
        password_hash=row["password_hash"],
        roles=frozenset(Role(word) for word in row["roles"].split()),
        markets=frozenset(row["markets"].split()),
        languages=tuple(row["languages"].split()),
        created_at=row["created_at"],
        active=bool(row["active"]),
        session_generation=row["session_generation"],
    )
