"""A batch's writes, worked out in memory: what the repository stores in one transaction.

From the batch's decisions and cancellations come the fulfilment orders to insert or update,
the change of each level touched (guarded when it promises more), each allotment's draw, the
ledger's ``allocate``/``release`` moves (one per level and batch, not per order) and the
``fulfilment.allocated`` events.

A pickup sent from a DC by transfer (``Decision.transfer_to``) is a fulfilment order of kind
``pickup`` at the DC, ``picking`` from the start: the DC takes the units off its shelf for the
store's delivery, outside any wave, and no cancel can release them any more. Its units are
allocated at the DC until the store receives them (``stores/service/transfers.py``), when the
order moves to the store's shelf, ``allocated`` there like any pickup.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime

from flashsale.fulfilment.domain.allocation import Decision, decide
from flashsale.fulfilment.domain.order import FulfilmentOrder, FulfilmentStatus, SourceKind
from flashsale.fulfilment.domain.strategies import STRATEGIES, Context, Need
from flashsale.inventory.domain.stock import Move, MoveKind

ACTOR = "system:allocator"
# The reason of a waiting pickup's row closed when a transfer took its place.
TRANSFERRED = "sent by transfer from"


@dataclass(slots=True)
class LevelChange:
    allocated: int = 0
    committed: int = 0

    @property
    def promised(self) -> int:
        """How much more of the level's free stock the change takes (negative: gives back);
        the guard ``on_hand − allocated − committed ≥ promised`` must hold before it."""
        return self.allocated + self.committed


@dataclass(slots=True)
class AllotmentChange:
    drawn: int = 0
    quantity: int = 0  # a closed allotment shrinks with what comes back to it

    @property
    def draws(self) -> int:
        return self.drawn - self.quantity


@dataclass(slots=True)  # not frozen: one per order of a batch, made in the hot loop
class AllocatedEvent:
    order_id: str
    fulfilment_order_id: str
    location: str
    quantity: int
    at: datetime

    def data(self) -> dict[str, object]:
        return {
            "fulfilment_order_id": self.fulfilment_order_id,
            "location": self.location,
            "quantity": self.quantity,
        }


# A new fulfilment order as its fields' values, in ``FulfilmentOrder``'s order: the allocator
# makes 10,000 a batch, and the tuple costs 0.3 µs where the frozen dataclass, an
# ``object.__setattr__`` per field, costs 2.6 (timeit). ``AllocationPlan.inserts`` makes the
# objects for whoever wants them.
NewFulfilment = tuple[
    str, SourceKind, str, int, str, str, str, int, str | None, FulfilmentStatus, str | None, int,
    str, datetime, datetime,
]  # fmt: skip
_STATUS = 9  # of a ``NewFulfilment``


@dataclass
class AllocationPlan:
    new: list[NewFulfilment] = field(default_factory=list)
    placed: list[FulfilmentOrder] = field(default_factory=list)  # were unallocated
    cancelled: list[tuple[FulfilmentOrder, FulfilmentStatus]] = field(default_factory=list)
    levels: dict[tuple[str, str], LevelChange] = field(
        default_factory=lambda: defaultdict(LevelChange)
    )
    allotments: dict[tuple[str, str], AllotmentChange] = field(
        default_factory=lambda: defaultdict(AllotmentChange)
    )
    moves: list[Move] = field(default_factory=list)
    events: list[AllocatedEvent] = field(default_factory=list)

    @property
    def inserts(self) -> list[FulfilmentOrder]:
        """The fulfilment orders to insert (made anew at each call)."""
        return [FulfilmentOrder(*row) for row in self.new]

    @property
    def empty(self) -> bool:
        return not (self.new or self.placed or self.cancelled)

    @property
    def allocated(self) -> int:
        return len(self.events)

    @property
    def unallocated(self) -> int:
        waiting = FulfilmentStatus.UNALLOCATED
        return sum(1 for row in self.new if row[_STATUS] is waiting)


class PlanBuilder:
    def __init__(self, market_code: str, at: datetime, new_id: Callable[[], str]) -> None:
        self.plan = AllocationPlan()
        self._market = market_code
        self._at = at
        self._new_id = new_id
        self._allocated: dict[tuple[str, str], int] = defaultdict(int)
        self._released: dict[tuple[str, str], int] = defaultdict(int)
        self._levels: dict[tuple[str, str], LevelChange] = {}

    def _promise(self, fo: FulfilmentOrder) -> None:
        assert fo.location is not None
        level = self.plan.levels[fo.location, fo.sku]
        level.allocated += fo.quantity
        level.committed -= fo.from_allotment
        if fo.from_allotment:
            self.plan.allotments[fo.sale_id, fo.location].drawn += fo.from_allotment
        self._allocated[fo.location, fo.sku] += fo.quantity
        if fo.source_kind is SourceKind.ORDER:
            self.plan.events.append(
                AllocatedEvent(fo.source_id, fo.id, fo.location, fo.quantity, self._at)
            )

    def decide_new(self, need: Need, ctx: Context) -> None:
        """A paid order met for the first time, decided and added. The common case (the first
        strategy's first location has the whole order) without a ``Decision``: this is the
        allocator's loop, 10,000 times a batch."""
        if need.pickup is not None:  # click & collect: its store or nothing
            self.new(decide(need, ctx))
            return
        first = STRATEGIES[ctx.settings.strategy](need, ctx)
        if not first or not ctx.codes:
            self.new(decide(need, ctx))
            return
        code = first[0]
        from_allotment = ctx.available.take_whole(need, code)
        if from_allotment is None:
            self.new(decide(need, ctx))
            return
        quantity = need.quantity
        fo_id = self._new_id()
        self.plan.new.append(
            (
                fo_id, SourceKind.ORDER, need.source_id, 0, need.sale_id, self._market, need.sku,
                quantity, need.region, FulfilmentStatus.ALLOCATED, code, from_allotment, "",
                need.paid_at, self._at,
            )
        )  # fmt: skip
        key = (code, need.sku)
        level = self._levels.get(key)
        if level is None:
            level = self._levels[key] = self.plan.levels[key]
        level.allocated += quantity
        if from_allotment:
            level.committed -= from_allotment
            self.plan.allotments[need.sale_id, code].drawn += from_allotment
        self._allocated[key] += quantity
        self.plan.events.append(AllocatedEvent(need.source_id, fo_id, code, quantity, self._at))

    def new(self, decision: Decision) -> None:
        """A paid order met for the first time."""
        need = decision.need
        if not decision.parts:
            self.plan.new.append(
                (
                    self._new_id(), SourceKind.ORDER, need.source_id, 0, need.sale_id,
                    self._market, need.sku, need.quantity, need.region,
                    FulfilmentStatus.UNALLOCATED, None, 0, decision.reason, need.paid_at,
                    self._at,
                )
            )  # fmt: skip
            return
        if decision.transfer_to is not None:
            self._transfer(decision)
            return
        for n, part in enumerate(decision.parts):
            fo = FulfilmentOrder(
                self._new_id(), SourceKind.ORDER, need.source_id, n, need.sale_id, self._market,
                need.sku, part.quantity, need.region, FulfilmentStatus.ALLOCATED, part.location,
                part.from_allotment, "", need.paid_at, self._at,
            )  # fmt: skip
            self.plan.new.append(_fields(fo))
            self._promise(fo)

    def _transfer(self, decision: Decision) -> FulfilmentOrder:
        """The pickup's units taken at a DC for its store's transfer (one part, never split)."""
        need = decision.need
        (part,) = decision.parts
        fo = FulfilmentOrder(
            self._new_id(), SourceKind.PICKUP, need.source_id, 0, need.sale_id, self._market,
            need.sku, part.quantity, need.region, FulfilmentStatus.PICKING, part.location,
            part.from_allotment, "", need.paid_at, self._at,
        )  # fmt: skip
        self.plan.new.append(_fields(fo))
        self._promise(fo)
        return fo

    def retried(self, waiting: FulfilmentOrder, decision: Decision) -> None:
        """An unallocated fulfilment order placed at last (its further parts are new rows). A
        pickup placed by transfer closes the waiting row (``cancelled``, naming the transfer)
        and goes on as a new one of kind ``pickup`` at the DC."""
        if decision.transfer_to is not None:
            fo = self._transfer(decision)
            reason = f"{TRANSFERRED} {fo.location} to {decision.transfer_to} ({fo.id})"
            self.cancel(waiting, reason, allotment_closed=True)
            return
        for n, part in enumerate(decision.parts):
            fo = replace(
                waiting,
                id=waiting.id if n == 0 else self._new_id(),
                part=n,
                quantity=part.quantity,
                status=FulfilmentStatus.ALLOCATED,
                location=part.location,
                from_allotment=part.from_allotment,
                reason="",
                updated_at=self._at,
            )
            if n == 0:
                self.plan.placed.append(fo)
            else:
                self.plan.new.append(_fields(fo))
            self._promise(fo)

    def cancel(self, fo: FulfilmentOrder, reason: str, allotment_closed: bool) -> None:
        """The order was cancelled: its units go back, to the sale's allotment while the sale
        runs (the gate sells them again), else to free stock."""
        self.plan.cancelled.append(
            (
                replace(fo, status=FulfilmentStatus.CANCELLED, reason=reason, updated_at=self._at),
                fo.status,
            )
        )
        if fo.status is not FulfilmentStatus.ALLOCATED or fo.location is None:
            return
        level = self.plan.levels[fo.location, fo.sku]
        level.allocated -= fo.quantity
        self._released[fo.location, fo.sku] += fo.quantity
        if fo.from_allotment:
            change = self.plan.allotments[fo.sale_id, fo.location]
            change.drawn -= fo.from_allotment
            if allotment_closed:
                change.quantity -= fo.from_allotment
            else:
                level.committed += fo.from_allotment

    def finish(self, reference: str) -> AllocationPlan:
        """The ledger's moves: one ``allocate`` and one ``release`` per level the batch
        touched."""
        moves = self.plan.moves
        for (location, sku), units in sorted(self._allocated.items()):
            moves.append(
                Move(location, sku, MoveKind.ALLOCATE, 0, units, reference, ACTOR, self._at)
            )
        for (location, sku), units in sorted(self._released.items()):
            moves.append(
                Move(location, sku, MoveKind.RELEASE, 0, -units, reference, ACTOR, self._at)
            )
        self.plan.levels = {k: v for k, v in self.plan.levels.items() if v.allocated or v.committed}
        self.plan.allotments = {
            k: v for k, v in self.plan.allotments.items() if v.drawn or v.quantity
        }
        return self.plan


def _fields(fo: FulfilmentOrder) -> NewFulfilment:
    return (
        fo.id, fo.source_kind, fo.source_id, fo.part, fo.sale_id, fo.market_code, fo.sku,
        fo.quantity, fo.region, fo.status, fo.location, fo.from_allotment, fo.reason, fo.paid_at,
        fo.updated_at,
    )  # fmt: skip
