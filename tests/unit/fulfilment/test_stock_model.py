"""A hypothesis model of a DC's week: receipts, write-offs, counts, paid orders, allocations,
cancels and picking, in any order; after every step each level keeps its rules and the stock
audit is clean, and no order is ever promised twice (memory record)."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from flashsale.fulfilment.domain.order import FulfilmentStatus
from flashsale.inventory.domain.stock import MoveKind
from flashsale.inventory.errors import InsufficientOnHand
from flashsale.orders.errors import OrderInFulfilment, OrderNotCancellable
from tests.unit.conftest import BAND_SKU
from tests.unit.fulfilment.conftest import Warehouse, build_warehouse

DCS = st.sampled_from(["DC-BLR", "DC-GGN"])
REGIONS = st.sampled_from(["IN-KA", "IN-DL", "IN-TN", None])


class StockModel(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.warehouse: Warehouse = self.run(build_warehouse(stock=40, limit=40))
        self.paid: list[Any] = []

    def run(self, work: Any) -> Any:
        return self.loop.run_until_complete(work)

    def teardown(self) -> None:
        self.run(self.warehouse.shop.aclose())
        self.loop.close()

    @rule(location=DCS, units=st.integers(1, 5))
    def receive(self, location: str, units: int) -> None:
        self.run(self.warehouse.receive(location, units))

    @rule(location=DCS, units=st.integers(1, 4))
    def write_off(self, location: str, units: int) -> None:
        stock = self.warehouse.f.stock
        # Refused or not, the invariants below say whether anything was written wrongly.
        with contextlib.suppress(InsufficientOnHand):
            self.run(stock.move(location, BAND_SKU, MoveKind.WRITE_OFF, units, "broken", "s"))

    @rule(location=DCS, counted=st.integers(0, 8))
    def count(self, location: str, counted: int) -> None:
        stock = self.warehouse.f.stock
        with contextlib.suppress(InsufficientOnHand):
            self.run(stock.move(location, BAND_SKU, MoveKind.COUNT, counted, "count", "s"))

    # The sale has 40 units: thirty orders of two would ask for more than it sells.
    @precondition(lambda self: sum(order.quantity for order in self.paid) <= 38)
    @rule(region=REGIONS, quantity=st.integers(1, 2))
    def pay(self, region: str | None, quantity: int) -> None:
        self.paid.append(self.run(self.warehouse.paid_order(region, quantity)))

    @rule()
    def allocate(self) -> None:
        self.run(self.warehouse.allocate())

    @precondition(lambda self: bool(self.paid))
    @rule(data=st.data())
    def cancel(self, data: st.DataObject) -> None:
        order = data.draw(st.sampled_from(self.paid))
        # Refused once picking started, or because it was cancelled already.
        with contextlib.suppress(OrderInFulfilment, OrderNotCancellable):
            self.run(self.warehouse.shop.orders.cancel(order.customer_id, order.id))

    @precondition(lambda self: bool(self.paid))
    @rule(data=st.data())
    def pick(self, data: st.DataObject) -> None:
        order = data.draw(st.sampled_from(self.paid))
        for fo in self.run(self.warehouse.shop.store.fulfilment_orders_of([order.id])):
            if fo.status is FulfilmentStatus.ALLOCATED:
                self.run(self.warehouse.f.orders.move(fo.id, FulfilmentStatus.PICKING))

    @invariant()
    def levels_keep_their_rules_and_the_audit_is_clean(self) -> None:
        for level in self.run(self.warehouse.f.stock.levels()):
            assert 0 <= level.allocated + level.committed <= level.on_hand, level
        audit = self.run(self.warehouse.f.audit.audit())
        assert audit.clean, [d.describe() for d in audit.discrepancies]

    @invariant()
    def no_order_is_promised_twice(self) -> None:
        ids = [o.id for o in self.paid]
        parts = self.run(self.warehouse.shop.store.fulfilment_orders_of(ids))
        keys = [(p.source_id, p.part) for p in parts]
        assert len(keys) == len(set(keys))
        for order in self.paid:
            live = [p for p in parts if p.source_id == order.id and p.location is not None]
            assert sum(p.quantity for p in live) <= order.quantity


TestStockModel = StockModel.TestCase
TestStockModel.settings = settings(
    max_examples=15,
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
