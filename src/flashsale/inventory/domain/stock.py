"""Stock at a location: an append-only ledger of moves, and the levels they add up to.

Each move says how it changed ``on_hand`` (units physically there) and ``allocated`` (units
promised to fulfilment orders, still on the shelf). ``committed`` (units a sale's allotment
holds for it) is kept by the allotments themselves. So, per (location, SKU):

    on_hand   = Σ on_hand_change of its moves
    allocated = Σ allocated_change of its moves = units of its open fulfilment orders
    committed = Σ what its live allotments have not yet handed to fulfilment orders

and always ``on_hand ≥ 0`` and ``allocated + committed ≤ on_hand`` (CHECKs in the database):
no move may promise a unit that is not there.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace
from datetime import datetime

from flashsale.inventory.errors import InsufficientOnHand
from flashsale.kernel.errors import InvalidInput

MAX_QUANTITY = 100_000_000
MAX_REFERENCE = 200


class MoveKind(enum.StrEnum):
    RECEIPT = "receipt"
    ADJUSTMENT = "adjustment"
    COUNT = "count"  # a physical count: the difference with on-hand
    WRITE_OFF = "write_off"
    ALLOCATE = "allocate"  # promised to fulfilment orders (allocated +)
    SHIP = "ship"  # left the building (on-hand −, allocated −)
    RELEASE = "release"  # a promise withdrawn (allocated −)
    RETURN_RECEIPT = "return_receipt"
    TRANSFER_OUT = "transfer_out"
    TRANSFER_IN = "transfer_in"


# What a person may record by hand; the others are written by fulfilment as it works.
MANUAL_KINDS = frozenset(
    {MoveKind.RECEIPT, MoveKind.ADJUSTMENT, MoveKind.COUNT, MoveKind.WRITE_OFF}
)


@dataclass(frozen=True, slots=True)
class Move:
    location: str
    sku: str
    kind: MoveKind
    on_hand_change: int
    allocated_change: int
    reference: str
    actor: str
    at: datetime
    id: int | None = None  # given by the ledger


@dataclass(frozen=True, slots=True)
class StockLevel:
    location: str
    sku: str
    on_hand: int = 0
    allocated: int = 0
    committed: int = 0

    @property
    def free(self) -> int:
        """Units neither promised to an order nor held for a sale."""
        return self.on_hand - self.allocated - self.committed

    def changed(self, on_hand: int = 0, allocated: int = 0, committed: int = 0) -> StockLevel:
        """The level after a change; refused (InsufficientOnHand) when it breaks the ledger's
        rules, naming what there is."""
        new = replace(
            self,
            on_hand=self.on_hand + on_hand,
            allocated=self.allocated + allocated,
            committed=self.committed + committed,
        )
        if new.on_hand < 0:
            raise InsufficientOnHand(
                f"{self.sku} at {self.location}: {self.on_hand} on hand, cannot take {-on_hand}"
            )
        if new.allocated < 0 or new.committed < 0:
            raise InsufficientOnHand(
                f"{self.sku} at {self.location}: cannot release more than is promised"
            )
        if new.allocated + new.committed > new.on_hand:
            raise InsufficientOnHand(
                f"{self.sku} at {self.location}: {new.on_hand} on hand would be less than the"
                f" {new.allocated} allocated and {new.committed} committed"
            )
        return new


@dataclass(frozen=True, slots=True)
class StockChange:
    """A move asked for by a person: ``quantity`` received, written off, counted (the count
    itself), or the signed adjustment."""

    location: str
    sku: str
    kind: MoveKind
    quantity: int
    reference: str
    actor: str
    at: datetime

    def __post_init__(self) -> None:
        if self.kind not in MANUAL_KINDS:
            raise InvalidInput(f"kind: {self.kind} is written by fulfilment, not by hand")
        if len(self.reference) > MAX_REFERENCE:
            raise InvalidInput(f"reference: at most {MAX_REFERENCE} characters")
        low = -MAX_QUANTITY if self.kind is MoveKind.ADJUSTMENT else 0
        if not low <= self.quantity <= MAX_QUANTITY:
            raise InvalidInput(f"quantity: {low} to {MAX_QUANTITY}")
        if self.quantity == 0 and self.kind is not MoveKind.COUNT:
            raise InvalidInput("quantity: a move of nothing is no move")

    def on_hand_change(self, level: StockLevel) -> int:
        """What the move does to on-hand, from the level it meets (a count writes the
        difference)."""
        if self.kind is MoveKind.RECEIPT:
            return self.quantity
        if self.kind is MoveKind.WRITE_OFF:
            return -self.quantity
        if self.kind is MoveKind.COUNT:
            return self.quantity - level.on_hand
        return self.quantity

    def apply(self, level: StockLevel) -> tuple[StockLevel, Move]:
        """The level after the move and the move for the ledger; refused (InsufficientOnHand)
        when it would break the rules."""
        change = self.on_hand_change(level)
        after = level.changed(on_hand=change)
        move = Move(
            self.location, self.sku, self.kind, change, 0, self.reference, self.actor, self.at
        )
        return after, move
