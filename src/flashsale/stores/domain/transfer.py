"""A pickup sent from a DC to its store (click & collect by transfer) and its receipt.

The allocator places a pickup its store cannot serve, at a store that allows it
(``pickup_by_transfer``), at a DC: a fulfilment order of kind ``pickup`` there, ``picking``
from the start (fulfilment/domain/plan.py). While it travels its units stay on the DC's books,
allocated to the order, so the stock audit reads them where the ledger last put them. When the
store receives the parcel, one transaction writes the two halves of the transfer:

    DC:     transfer_out   on hand −n, allocated −n
    store:  transfer_in    on hand +n, allocated +n

and moves the fulfilment order to the store's shelf, ``allocated`` there like any pickup, so
only then can a clerk set it aside (ready) and hand it over. Both moves are inflows to the
audit (``inventory/domain/audit.py``): they cancel out per SKU, and each level's ledger,
allocation and open orders agree before and after.
"""

from __future__ import annotations

from datetime import datetime

from flashsale.fulfilment.domain.order import FulfilmentOrder, FulfilmentStatus, SourceKind
from flashsale.inventory.domain.stock import Move, MoveKind

# A transfer's fulfilment order while it travels: picked at the DC, perhaps packed.
IN_TRANSIT = frozenset({FulfilmentStatus.PICKING, FulfilmentStatus.PACKED})
REFERENCE = "transfer:"


def in_transit(fo: FulfilmentOrder) -> bool:
    """Sent from a DC to a pickup store and not received yet."""
    return fo.source_kind is SourceKind.PICKUP and fo.status in IN_TRANSIT


def receipt_moves(fo: FulfilmentOrder, store: str, at: datetime, actor: str) -> list[Move]:
    """The transfer's two moves, out of the DC and into the store, both with the order's
    reference."""
    assert fo.location is not None
    reference = f"{REFERENCE}{fo.source_id}"
    n = fo.quantity
    return [
        Move(fo.location, fo.sku, MoveKind.TRANSFER_OUT, -n, -n, reference, actor, at),
        Move(store, fo.sku, MoveKind.TRANSFER_IN, n, n, reference, actor, at),
    ]
