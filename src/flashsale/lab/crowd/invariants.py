"""The promises a crowd can check from the outside, from what it was told and what it saw.

Every 201 must name an order the server returns afterwards; no customer may hold more than the
limit; the units that still hold stock (reserved or paid) may not exceed the stock. An order
acknowledged, expired and sold again is fine: it is the same unit, sold once at a time.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

LIVE = frozenset({"reserved", "paid"})


@dataclass(frozen=True, slots=True)
class SeenOrder:
    order_id: str
    customer_id: str
    quantity: int
    status: str | None  # as GET /orders/{id} answered at the end; None when it said "no such"


@dataclass(frozen=True, slots=True)
class Violation:
    kind: str
    detail: str


def check(
    seen: Sequence[SeenOrder], *, stock_total: int, per_customer_limit: int
) -> list[Violation]:
    violations: list[Violation] = []
    held: defaultdict[str, int] = defaultdict(int)
    live_units = 0
    customers_of_order: dict[str, str] = {}
    for order in seen:
        owner = customers_of_order.setdefault(order.order_id, order.customer_id)
        if owner != order.customer_id:
            violations.append(
                Violation(
                    "one order, two buyers",
                    f"order {order.order_id} was acknowledged to {owner} and {order.customer_id}",
                )
            )
    for order in _distinct(seen):
        if order.status is None:
            violations.append(
                Violation(
                    "acknowledged but missing",
                    f"order {order.order_id} was acknowledged with a 201 but the server"
                    " does not know it",
                )
            )
            continue
        if order.status in LIVE:
            held[order.customer_id] += order.quantity
            live_units += order.quantity
    for customer_id, units in sorted(held.items()):
        if units > per_customer_limit:
            violations.append(
                Violation(
                    "over the limit",
                    f"customer {customer_id} holds {units} units; the limit is"
                    f" {per_customer_limit}",
                )
            )
    if live_units > stock_total:
        violations.append(
            Violation("oversold", f"{live_units} units are held but the stock is {stock_total}")
        )
    return violations


def _distinct(seen: Sequence[SeenOrder]) -> list[SeenOrder]:
    """A replayed purchase (same Idempotency-Key) answers the same order: count it once."""
    return list({order.order_id: order for order in seen}.values())
