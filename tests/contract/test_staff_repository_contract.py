"""The StaffRepository contract: what every record (memory, SQLite, PostgreSQL) must do alike."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from flashsale.kernel.errors import Conflict
from flashsale.record.store import Store
from flashsale.staff.model import EVERY_ROLE, Role, StaffMember
from tests.contract.record_world import T0


def member(number: int, **overrides: Any) -> StaffMember:
    stored = StaffMember(
        id=f"stf_{number}",
        email=f"staff{number}@shop.example",
        password_hash=f"$argon2id$hash-{number}",
        roles=frozenset({Role.AGENT}),
        markets=frozenset(),
        languages=(),
        created_at=T0 + timedelta(minutes=number),
    )
    return replace(stored, **overrides)


async def test_a_member_comes_back_as_stored_by_id_and_by_email(store: Store) -> None:
    full = member(
        1,
        roles=EVERY_ROLE,
        markets=frozenset({"IN", "CN"}),
        languages=("zh-Hans", "en", "hi"),
    )
    await store.add_staff_member(full)
    await store.add_staff_member(member(2))
    assert await store.staff_member("stf_1") == full
    assert await store.staff_member_by_email("staff2@shop.example") == member(2)
    assert await store.staff_member("stf_9") is None
    assert await store.staff_member_by_email("nobody@shop.example") is None


async def test_members_are_listed_oldest_first_disabled_ones_too(store: Store) -> None:
    for number in (3, 1, 2):
        await store.add_staff_member(member(number))
    await store.disable_staff_member("stf_2")
    listed = await store.staff_members()
    assert [m.id for m in listed] == ["stf_1", "stf_2", "stf_3"]
    assert [m.active for m in listed] == [True, False, True]


@pytest.mark.parametrize(
    "clash", [{"email": "staff1@shop.example"}, {"id": "stf_1", "email": "other@shop.example"}]
)
async def test_a_taken_email_or_id_is_a_conflict_that_stores_nothing(
    store: Store, clash: dict[str, str]
) -> None:
    await store.add_staff_member(member(1))
    with pytest.raises(Conflict):
        await store.add_staff_member(member(2, **clash))
    assert await store.staff_members() == [member(1)]


async def test_disabling_marks_inactive_and_raises_the_generation_each_time(store: Store) -> None:
    await store.add_staff_member(member(1))
    await store.add_staff_member(member(2))
    first = await store.disable_staff_member("stf_1")
    assert first == replace(member(1), active=False, session_generation=1)
    second = await store.disable_staff_member("stf_1")
    assert second == replace(member(1), active=False, session_generation=2)
    assert await store.staff_member("stf_1") == second
    assert await store.staff_member("stf_2") == member(2)
    assert await store.disable_staff_member("stf_9") is None
