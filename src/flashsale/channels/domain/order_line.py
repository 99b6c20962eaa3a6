"""A partner's order line as read from its report, and what an import made of it.

A line is known by (channel, external order id, external line id): the partner's own keys, so
importing a report twice, or two overlapping reports, stores each line once.
"""

from __future__ import annotations

import enum
import operator
from datetime import date, datetime
from decimal import Decimal
from typing import NamedTuple


class LineStatus(enum.StrEnum):
    IMPORTED = "imported"  # consumed its pool; a fulfilment order ships it from the pool's DC
    PARTNER = "partner"  # fulfilled by the partner from its own warehouse: counted, not shipped
    REJECTED = "rejected"  # stored with its problem, so the partner's oversell stays visible


class Problem(enum.StrEnum):
    POOL_EXHAUSTED = "pool-exhausted"  # the partner sold past what we gave it
    UNKNOWN_SKU = "unknown-sku"  # no pool of this SKU for the channel
    WRONG_CURRENCY = "wrong-currency"


class OrderLine(NamedTuple):
    """One line of the partner's file (a tuple: a million of them are made per import)."""

    line: int  # where it is in the file (1-based), for the answer's problems
    order_id: str
    line_id: str
    purchased_at: datetime  # UTC
    sku: str
    quantity: int
    currency: str
    amount: Decimal | None  # the line's price as the partner reports it, if it does
    region: str | None  # ISO 3166-2 of the shipping address, when it names a known one
    seller_fulfilled: bool

    @property
    def key(self) -> tuple[str, str]:
        return (self.order_id, self.line_id)


class StoredLine(NamedTuple):
    """A line as the record keeps it."""

    id: str  # opaque; the source_id of its fulfilment order
    channel: str
    order_id: str
    line_id: str
    purchased_at: datetime
    day: date  # the market-local day of the purchase: reconciliation's day
    sku: str
    quantity: int
    currency: str
    amount: Decimal | None
    status: LineStatus
    problem: str  # a Problem's value, or ""
    location: str | None  # the pool's DC, for imported lines
    fulfilment_order_id: str | None


# The order lines are decided in: purchase time, then the partner's keys, so a file and the
# same file shuffled leave the same state (the earliest purchase gets the last unit). Two lines
# of one key (a partner's mistake: the first is kept) are told apart by SKU, quantity and
# currency, so which is first does not depend on where they stand in the file either.
sort_key = operator.itemgetter(3, 1, 2, 4, 5, 6)  # in C
by_sku = operator.itemgetter(4)
