"""The ReturnRepository contract (memory, SQLite, PostgreSQL): a return's move is guarded by
the status it was read in, and writes its event and its stock moves with it, or nothing."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta

import pytest

from flashsale.fulfilment.domain.returns import Return, ReturnStatus
from flashsale.inventory.domain.stock import Move, MoveKind
from flashsale.inventory.errors import InsufficientOnHand
from flashsale.orders.domain.events import OrderEventKind
from flashsale.record.store import Store
from tests.contract.test_fulfilment_repository_contract import PAID_AT, paid_orders, stocked
from tests.contract.test_inventory_repository_contract import SKU

R = ReturnStatus
AT = PAID_AT + timedelta(days=3)


def asked(return_id: str = "ret_1", order_id: str = "ord_a") -> Return:
    return Return(return_id, order_id, "cus_1", "IN", SKU, 1, "too small", R.REQUESTED, AT, AT)


def receipt(units: int, kind: MoveKind = MoveKind.RETURN_RECEIPT) -> Move:
    return Move("DC-BLR", SKU, kind, units, 0, "return ret_1", "staff:1", AT)


async def test_a_return_moves_with_its_event_and_its_stock(store: Store) -> None:
    await stocked(store, units=5)
    await paid_orders(store, ["ord_a"])
    assert await store.add_return(asked(), "customer:cus_1", most=2)
    assert await store.return_("ret_1") == asked()
    approved = replace(asked(), status=R.APPROVED)
    assert await store.move_return(R.REQUESTED, approved, "staff:1", [])
    assert not await store.move_return(R.REQUESTED, approved, "staff:1", [])  # moved already
    received = replace(approved, status=R.RECEIVED, location="DC-BLR", resellable=False)
    moves = [receipt(1), receipt(-1, MoveKind.WRITE_OFF)]
    assert await store.move_return(R.APPROVED, received, "staff:1", moves)
    assert await store.return_("ret_1") == received
    (level,) = await store.stock_levels("DC-BLR")
    assert level.on_hand == 5
    kinds = [m.kind for m in await store.moves("DC-BLR", limit=2)]
    assert kinds == [MoveKind.WRITE_OFF, MoveKind.RETURN_RECEIPT]
    resellable = replace(asked("ret_2"), status=R.APPROVED)
    assert await store.add_return(resellable, "customer:cus_1", most=2)
    back = replace(resellable, status=R.RECEIVED, location="DC-BLR", resellable=True)
    assert await store.move_return(R.APPROVED, back, "staff:1", [receipt(1)])
    (level,) = await store.stock_levels("DC-BLR")
    assert level.on_hand == 6
    events = [e for e in await store.events_of_order("ord_a") if e.kind.value.startswith("return.")]
    assert [e.kind for e in events] == [
        OrderEventKind.RETURN_REQUESTED,
        OrderEventKind.RETURN_APPROVED,
        OrderEventKind.RETURN_RECEIVED,
        OrderEventKind.RETURN_APPROVED,
        OrderEventKind.RETURN_RECEIVED,
    ]
    assert dict(events[2].data) == {
        "return_id": "ret_1", "sku": SKU, "quantity": 1, "location": "DC-BLR",
        "resellable": False,
    }  # fmt: skip
    assert [x.id for x in await store.returns(R.RECEIVED)] == ["ret_1", "ret_2"]
    assert [x.id for x in await store.returns_of(["ord_a"])] == ["ret_1", "ret_2"]


async def test_a_move_that_would_break_a_level_writes_nothing(store: Store) -> None:
    await stocked(store, units=1)
    await paid_orders(store, ["ord_a"])
    assert await store.add_return(replace(asked(), status=R.APPROVED), "customer:cus_1", most=1)
    received = replace(asked(), status=R.RECEIVED, location="DC-BLR", resellable=False)
    with pytest.raises(InsufficientOnHand):
        await store.move_return(R.APPROVED, received, "staff:1", [receipt(-5, MoveKind.WRITE_OFF)])
    assert (await store.return_("ret_1")).status is R.APPROVED  # type: ignore[union-attr]
    (level,) = await store.stock_levels("DC-BLR")
    assert level.on_hand == 1


async def test_returns_of_an_order_never_ask_for_more_than_it_may_take_back(store: Store) -> None:
    await stocked(store, units=5)
    await paid_orders(store, ["ord_a"])
    assert await store.add_return(asked("ret_1"), "customer:cus_1", most=2)
    assert not await store.add_return(replace(asked("ret_2"), quantity=2), "customer:cus_1", most=2)
    assert await store.return_("ret_2") is None
    # A declined or cancelled return gives its units back to ask for.
    assert await store.move_return(R.REQUESTED, replace(asked("ret_1"), status=R.DECLINED), "s", [])
    assert await store.add_return(replace(asked("ret_3"), quantity=2), "customer:cus_1", most=2)


async def test_requests_for_the_same_last_unit_at_once_store_one(store: Store) -> None:
    await stocked(store, units=5)
    await paid_orders(store, ["ord_a"])
    stored = await asyncio.gather(
        *(store.add_return(asked(f"ret_{n}"), "customer:cus_1", most=1) for n in range(8))
    )
    assert sorted(stored) == [False] * 7 + [True]
    assert len(await store.returns_of(["ord_a"])) == 1
