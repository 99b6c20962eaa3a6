"""Fulfilment orders: one per order (or, later, partner order or store pickup) per location.

    unallocated ─► allocated ─► picking ─► packed ─► shipped ─► delivered
         │             │
         └─────────────┴─► cancelled

An order no location can serve waits ``unallocated`` with its reason and is tried again when
stock arrives. Once picking starts, the units are in someone's hands: a cancel of the order
is refused (orders' ``OrderInFulfilment``) and becomes a return instead.

This is the commercial order's warehouse state, kept apart from ``orders.status`` (reserved,
paid, expired, cancelled), as Shopify keeps FulfillmentOrder apart from the order.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace
from datetime import datetime

from flashsale.fulfilment.errors import InvalidTransition


class SourceKind(enum.StrEnum):
    ORDER = "order"  # a flash-sale order (orders/)
    PARTNER = "partner"  # a marketplace partner's order line (channels/): no order of ours
    PICKUP = "pickup"  # a store pickup of an order of ours


# The sources that are orders of ours, whose moves the order event feed tells; a partner's
# line is the partner's to report (its feed table's rows must belong to an order).
ORDER_SOURCES = frozenset({SourceKind.ORDER, SourceKind.PICKUP})


class FulfilmentStatus(enum.StrEnum):
    UNALLOCATED = "unallocated"
    ALLOCATED = "allocated"
    PICKING = "picking"
    PACKED = "packed"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"


S = FulfilmentStatus
NEXT: dict[FulfilmentStatus, frozenset[FulfilmentStatus]] = {
    S.UNALLOCATED: frozenset({S.ALLOCATED, S.CANCELLED}),
    S.ALLOCATED: frozenset({S.PICKING, S.CANCELLED}),
    S.PICKING: frozenset({S.PACKED}),
    S.PACKED: frozenset({S.SHIPPED}),
    S.SHIPPED: frozenset({S.DELIVERED}),
    S.DELIVERED: frozenset(),
    S.CANCELLED: frozenset(),
}
# Units on the shelf, promised to the order: counted in the level's ``allocated``.
OPEN_STATUSES = frozenset({S.ALLOCATED, S.PICKING, S.PACKED})
# A cancel of the order may still release the units without a return.
CANCELLABLE = frozenset({S.UNALLOCATED, S.ALLOCATED})


def check_transition(current: FulfilmentStatus, to: FulfilmentStatus, what: str) -> None:
    if to not in NEXT[current]:
        leads = ", ".join(sorted(NEXT[current])) or "nowhere"
        raise InvalidTransition(
            f"{what} is {current}: it cannot become {to} (it may become {leads})"
        )


@dataclass(frozen=True, slots=True)
class FulfilmentOrder:
    id: str
    source_kind: SourceKind
    source_id: str
    part: int  # 0, or 1, 2 … for the further locations of a split order
    sale_id: str
    market_code: str
    sku: str
    quantity: int
    region: str | None  # ISO 3166-2 of the shipping address; None when the order had none
    status: FulfilmentStatus
    location: str | None  # None while unallocated
    from_allotment: int  # of ``quantity``, units drawn from the sale's allotment there
    reason: str  # why it is unallocated (or was cancelled); "" otherwise
    paid_at: datetime
    updated_at: datetime

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def moved(self, to: FulfilmentStatus, at: datetime) -> FulfilmentOrder:
        check_transition(self.status, to, f"fulfilment order {self.id}")
        return replace(self, status=to, updated_at=at)


def summary_status(parts: list[FulfilmentOrder]) -> str | None:
    """One status for an order's fulfilment orders (the least advanced open one); None when
    it has none yet."""
    if not parts:
        return None
    order = list(FulfilmentStatus)
    live = [p.status for p in parts if p.status is not S.CANCELLED]
    if not live:
        return S.CANCELLED.value
    return min(live, key=order.index).value
