"""The operator's question of the orders: which ones, a page at a time.

Pages are keyset pages, newest first: the next page starts strictly after the last row of this
one by ``(created_at, id)``, so page 1,000 costs what page 1 does and a row placed meanwhile
neither repeats nor skips one (OFFSET would, and would read every row before the page).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flashsale.kernel.errors import InvalidInput
from flashsale.orders.domain.order import Order, OrderStatus

MAX_PAGE = 1000


@dataclass(frozen=True, slots=True)
class OrderCursor:
    """Where a page ended: the last order's creation time and id."""

    created_at: datetime
    order_id: str

    @classmethod
    def after(cls, order: Order) -> OrderCursor:
        return cls(order.created_at, order.id)

    def is_before(self, order: Order) -> bool:
        """True when ``order`` comes after this cursor, newest first."""
        return (order.created_at, order.id) < (self.created_at, self.order_id)


@dataclass(frozen=True, slots=True)
class OrderQuery:
    """Every field left None matches every order; given ones must all match."""

    sale_ids: tuple[str, ...] | None = None  # () matches nothing (a market with no sales)
    status: OrderStatus | None = None
    customer_id: str | None = None
    after: OrderCursor | None = None
    limit: int = 100

    def __post_init__(self) -> None:
        if not 1 <= self.limit <= MAX_PAGE:
            raise InvalidInput(f"a page holds 1 to {MAX_PAGE} orders")

    def matches(self, order: Order) -> bool:
        return (
            (self.sale_ids is None or order.sale_id in self.sale_ids)
            and (self.status is None or order.status is self.status)
            and (self.customer_id is None or order.customer_id == self.customer_id)
            and (self.after is None or self.after.is_before(order))
        )


@dataclass(frozen=True, slots=True)
class OrderPage:
    orders: list[Order]
    next: OrderCursor | None  # None: this is the last page
