"""A return at the store: units of one sale brought back, restocked or written off, and the
money given back to the tender it came by. Never more than was sold, less what came back
before (``returnable``; the record checks it again inside its transaction)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from flashsale.kernel.money import Money
from flashsale.stores.domain.sale import PosSale, requested_lines
from flashsale.stores.errors import ReturnExceedsSale


@dataclass(frozen=True, slots=True)
class PosReturn:
    id: str
    sale_id: str
    store_code: str
    lines: tuple[tuple[str, int], ...]  # (sku, quantity)
    restock: bool  # back on the shelf (return_receipt), or written off
    refund: Money
    actor: str
    created_at: datetime
    refund_reference: str | None = None  # the gateway's refund, for a card sale

    @property
    def reference(self) -> str:
        return f"pos-return:{self.id}"


def returnable(
    sale: PosSale, lines: Sequence[tuple[str, int]]
) -> tuple[tuple[tuple[str, int], ...], Money]:
    """The lines to take back and the refund they are worth; 409 when any asks more than the
    sale has left to return, or a SKU it did not sell."""
    wanted = requested_lines(lines)
    by_sku = {line.sku: line for line in sale.lines}
    refund = Decimal(0)
    for sku, quantity in wanted:
        line = by_sku.get(sku)
        if line is None:
            raise ReturnExceedsSale(f"lines: receipt {sale.receipt_number} sold no {sku[:64]}")
        left = line.quantity - line.returned
        if quantity > left:
            raise ReturnExceedsSale(
                f"lines: receipt {sale.receipt_number} sold {line.quantity} of {sku} and"
                f" {line.returned} came back already: {left} left to return, {quantity} asked",
                sku=sku,
                sold=line.quantity,
                returned=line.returned,
                asked=quantity,
            )
        refund += line.unit_price.amount * quantity
    return tuple(wanted), Money(refund, sale.total.currency)
