"""The StoreRepository contract (memory, SQLite, PostgreSQL): a store is added with its
location and clerks or not at all; tills revoke once; a POS sale writes its receipt number,
lines, ledger moves and the store's level together, or nothing; returns never pass what was
sold."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import time, timedelta
from decimal import Decimal

import pytest

from flashsale.inventory.domain.location import Location, LocationKind
from flashsale.inventory.domain.stock import MoveKind, StockChange, StockLevel
from flashsale.kernel.errors import Conflict
from flashsale.kernel.money import Money
from flashsale.record.store import Store
from flashsale.staff.model import Role, StaffMember
from flashsale.stores.domain.returns import PosReturn
from flashsale.stores.domain.sale import PosSale, SaleLine, Tender, TenderMethod
from flashsale.stores.domain.store import DayHours, StoreProfile
from flashsale.stores.domain.till import new_till
from flashsale.stores.errors import InsufficientStoreStock, ReturnExceedsSale
from tests.contract.record_world import BAND_PRICE, T0, world

SKU = "MIBAND3-BLK"
BLR = Location("MH-BLR", "Mi Home Bengaluru", "IN", "Asia/Kolkata", kind=LocationKind.STORE)
OPEN = DayHours(time(10), time(21))
PROFILE = StoreProfile("MH-BLR", (OPEN,) * 6 + (None,), pickup=True)
INR0 = Money(Decimal("0.00"), "INR")


def clerk(n: int = 1) -> StaffMember:
    return StaffMember(
        f"stf_{n}", f"clerk{n}@mi.com", "hash", frozenset({Role.CLERK}), frozenset(), (), T0
    )


async def opened(store: Store, units: int = 5) -> str:
    await world(store)
    await store.add_staff_member(clerk())
    await store.store_add(BLR, PROFILE, ["stf_1"])
    till, _ = new_till("MH-BLR", "Till 1", T0)
    await store.till_add(till)
    if units:
        await store.record_changes(
            [StockChange("MH-BLR", SKU, MoveKind.RECEIPT, units, "PO-1", "staff:1", T0)]
        )
    return till.id


def sale(till_id: str, quantity: int = 1, key: str = "k1", sku: str = SKU) -> PosSale:
    total = BAND_PRICE.times(quantity)
    return PosSale(
        id=f"pos_{key}",
        store_code="MH-BLR",
        till_id=till_id,
        clerk_id="stf_1",
        lines=(SaleLine(sku, quantity, BAND_PRICE),),
        total=total,
        tender=Tender(TenderMethod.CASH, total, INR0),
        created_at=T0,
        idempotency_key=key,
        fingerprint="f" * 64,
    )


async def test_a_store_is_its_location_profile_and_clerks(store: Store) -> None:
    await opened(store)
    assert await store.location("MH-BLR") == BLR
    assert await store.store_profile("MH-BLR") == PROFILE
    assert [p.code for p in await store.store_profiles()] == ["MH-BLR"]
    assert await store.store_clerks("MH-BLR") == ["stf_1"]
    await store.add_staff_member(clerk(2))
    await store.store_put_clerks("MH-BLR", ["stf_1", "stf_2"])
    assert await store.store_clerks("MH-BLR") == ["stf_1", "stf_2"]
    assert await store.store_clerks_by_store() == {"MH-BLR": ["stf_1", "stf_2"]}
    await store.store_put_clerks("MH-BLR", [])
    assert await store.store_clerks_by_store() == {}
    with pytest.raises(Conflict):
        await store.store_add(BLR, PROFILE, [])


async def test_a_store_with_an_unknown_clerk_writes_nothing(store: Store) -> None:
    await world(store)
    with pytest.raises(Conflict):
        await store.store_add(BLR, PROFILE, ["stf_nobody"])
    assert await store.location("MH-BLR") is None
    assert await store.store_profile("MH-BLR") is None


async def test_tills_are_found_by_token_hash_and_revoked_once(store: Store) -> None:
    till_id = await opened(store)
    (till,) = await store.tills("MH-BLR")
    assert till.id == till_id and till.active
    assert await store.till_by_token_hash(till.token_hash) == till
    assert await store.tills_live() == [till]
    revoked = await store.till_revoke("MH-BLR", till_id, T0 + timedelta(hours=1))
    assert revoked is not None and revoked.revoked_at == T0 + timedelta(hours=1)
    again = await store.till_revoke("MH-BLR", till_id, T0 + timedelta(hours=2))
    assert again is not None and again.revoked_at == T0 + timedelta(hours=1)
    assert await store.till_revoke("OTHER", till_id, T0) is None
    assert await store.tills_live() == []
    assert await store.till_by_token_hash("0" * 64) is None


async def test_a_sale_numbers_moves_and_decrements_together(store: Store) -> None:
    till_id = await opened(store)
    first = await store.pos_record_sale(sale(till_id, 2, "k1"))
    second = await store.pos_record_sale(sale(till_id, 1, "k2"))
    assert (first.number, second.number) == (1, 2)
    assert await store.pos_sale(first.id) == first
    assert await store.pos_sale_by_key("MH-BLR", "k2") == second
    assert await store.stock_levels("MH-BLR") == [StockLevel("MH-BLR", SKU, 2, 0, 0)]
    moves = await store.moves("MH-BLR", SKU)
    assert [(m.kind, m.on_hand_change, m.reference) for m in moves[:2]] == [
        (MoveKind.SHIP, -1, "pos:MH-BLR-000002"),
        (MoveKind.SHIP, -2, "pos:MH-BLR-000001"),
    ]


async def test_a_short_sale_changes_nothing_and_takes_no_number(store: Store) -> None:
    till_id = await opened(store, units=1)
    with pytest.raises(InsufficientStoreStock):
        await store.pos_record_sale(sale(till_id, 2, "k1"))
    with pytest.raises(InsufficientStoreStock):
        await store.pos_record_sale(sale(till_id, 1, "k9", sku="MIBAND3-ORG"))
    assert await store.pos_sale_by_key("MH-BLR", "k1") is None
    assert await store.stock_levels("MH-BLR") == [StockLevel("MH-BLR", SKU, 1, 0, 0)]
    assert (await store.pos_record_sale(sale(till_id, 1, "k2"))).number == 1


async def test_units_committed_to_a_flash_sale_are_not_sold_at_the_till(store: Store) -> None:
    till_id = await opened(store, units=3)
    await store.put_allotments("sale_band", SKU, {"MH-BLR": 2})
    with pytest.raises(InsufficientStoreStock):
        await store.pos_record_sale(sale(till_id, 2, "k1"))
    assert (await store.pos_record_sale(sale(till_id, 1, "k2"))).number == 1


async def test_the_same_key_answers_its_stored_sale_and_writes_nothing(store: Store) -> None:
    till_id = await opened(store)
    first = await store.pos_record_sale(sale(till_id, 1, "k1"))
    again = await store.pos_record_sale(replace(sale(till_id, 2, "k1"), id="pos_other"))
    assert again == first
    assert await store.pos_sale("pos_other") is None
    assert await store.stock_levels("MH-BLR") == [StockLevel("MH-BLR", SKU, 4, 0, 0)]


async def test_twins_of_one_key_racing_store_one_sale(store: Store) -> None:
    till_id = await opened(store)
    twins = [replace(sale(till_id, 1, "k1"), id=f"pos_twin{n}") for n in range(4)]
    outcomes = await asyncio.gather(
        *(store.pos_record_sale(t) for t in twins), return_exceptions=True
    )
    stored = {o.id for o in outcomes if isinstance(o, PosSale)}
    assert len(stored) == 1  # the others got it back, or a Conflict (then read it by key)
    assert all(isinstance(o, PosSale | Conflict) for o in outcomes)
    assert await store.stock_levels("MH-BLR") == [StockLevel("MH-BLR", SKU, 4, 0, 0)]


async def test_concurrent_sales_of_the_last_unit_one_wins(store: Store) -> None:
    till_id = await opened(store, units=1)
    outcomes = await asyncio.gather(
        *(store.pos_record_sale(sale(till_id, 1, f"k{n}")) for n in range(6)),
        return_exceptions=True,
    )
    won = [o for o in outcomes if isinstance(o, PosSale)]
    assert len(won) == 1 and won[0].number == 1
    assert all(isinstance(o, InsufficientStoreStock) for o in outcomes if o not in won)
    assert await store.stock_levels("MH-BLR") == [StockLevel("MH-BLR", SKU, 0, 0, 0)]


def a_return(sold: PosSale, quantity: int, restock: bool, n: int = 1) -> PosReturn:
    return PosReturn(
        id=f"ret_{n}",
        sale_id=sold.id,
        store_code="MH-BLR",
        lines=((SKU, quantity),),
        restock=restock,
        refund=BAND_PRICE.times(quantity),
        actor="staff:stf_1",
        created_at=T0,
    )


async def test_returns_restock_or_write_off_and_never_pass_what_was_sold(store: Store) -> None:
    till_id = await opened(store)
    sold = await store.pos_record_sale(sale(till_id, 3, "k1"))
    await store.pos_record_return(a_return(sold, 1, restock=True, n=1))
    await store.pos_record_return(a_return(sold, 1, restock=False, n=2))
    with pytest.raises(ReturnExceedsSale):
        await store.pos_record_return(a_return(sold, 2, restock=True, n=3))
    after = await store.pos_sale(sold.id)
    assert after is not None and after.lines[0].returned == 2
    assert await store.stock_levels("MH-BLR") == [StockLevel("MH-BLR", SKU, 3, 0, 0)]
    await store.pos_return_refunded("ret_1", "re_1")
    returns = await store.pos_returns(sold.id)
    assert [(r.id, r.restock, r.refund_reference) for r in returns] == [
        ("ret_1", True, "re_1"),
        ("ret_2", False, None),
    ]
    sums = {s.kind: s.on_hand for s in await store.ledger_sums() if s.location == "MH-BLR"}
    assert sums == {
        MoveKind.RECEIPT: 5,
        MoveKind.SHIP: -3,
        MoveKind.RETURN_RECEIPT: 2,
        MoveKind.WRITE_OFF: -1,
    }
