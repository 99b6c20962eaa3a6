"""What a POS sale and a store return write to the stock ledger.

A sale's units leave the building as ``ship`` moves (on hand down, nothing allocated: they
were never promised to a fulfilment order), the receipt as their reference; the stock audit's
"shipped" then counts every door alike. A returned unit comes back in (``return_receipt``);
one not fit to sell again is then written off, so the audit sees both.
"""

from __future__ import annotations

from flashsale.inventory.domain.stock import Move, MoveKind
from flashsale.stores.domain.returns import PosReturn
from flashsale.stores.domain.sale import PosSale


def sale_moves(sale: PosSale) -> list[Move]:
    actor = f"staff:{sale.clerk_id}"
    return [
        Move(
            sale.store_code,
            line.sku,
            MoveKind.SHIP,
            -line.quantity,
            0,
            sale.reference,
            actor,
            sale.created_at,
        )
        for line in sale.lines
    ]


def return_moves(ret: PosReturn) -> list[Move]:
    moves = []
    for sku, quantity in ret.lines:
        moves.append(
            Move(
                ret.store_code,
                sku,
                MoveKind.RETURN_RECEIPT,
                quantity,
                0,
                ret.reference,
                ret.actor,
                ret.created_at,
            )
        )
        if not ret.restock:
            moves.append(
                Move(
                    ret.store_code,
                    sku,
                    MoveKind.WRITE_OFF,
                    -quantity,
                    0,
                    ret.reference,
                    ret.actor,
                    ret.created_at,
                )
            )
    return moves
