"""Returns: units of a delivered order coming back.

    requested ─► approved ─► received ─► refunded ─► closed
        │            │
        ├─► declined └─► cancelled (by the customer, before receipt)
        └─► cancelled

A return is asked for within the market's return window, counted from the order's (last)
delivery, and for at most what was delivered less what earlier returns (not declined nor
cancelled) already take back. Its receipt at a location writes the ledger: ``return_receipt``
when the units can be sold again; otherwise ``return_receipt`` and ``write_off`` together, so
the ledger shows the units came back and were scrapped. Receiving twice changes nothing.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from flashsale.fulfilment.errors import InvalidTransition
from flashsale.fulfilment.ops_errors import NotDelivered, ReturnWindowClosed
from flashsale.kernel.errors import InvalidInput

MAX_REASON = 500


class ReturnStatus(enum.StrEnum):
    REQUESTED = "requested"
    APPROVED = "approved"
    DECLINED = "declined"
    RECEIVED = "received"
    REFUNDED = "refunded"
    CLOSED = "closed"
    CANCELLED = "cancelled"


R = ReturnStatus
NEXT: dict[ReturnStatus, frozenset[ReturnStatus]] = {
    R.REQUESTED: frozenset({R.APPROVED, R.DECLINED, R.CANCELLED}),
    R.APPROVED: frozenset({R.RECEIVED, R.CANCELLED}),
    R.DECLINED: frozenset(),
    R.RECEIVED: frozenset({R.REFUNDED}),
    R.REFUNDED: frozenset({R.CLOSED}),
    R.CLOSED: frozenset(),
    R.CANCELLED: frozenset(),
}
# Returns that take units back (the others gave up, or were refused).
LIVE = frozenset({R.REQUESTED, R.APPROVED, R.RECEIVED, R.REFUNDED, R.CLOSED})


@dataclass(frozen=True, slots=True)
class Return:
    id: str
    order_id: str
    customer_id: str
    market_code: str
    sku: str
    quantity: int
    reason: str
    status: ReturnStatus
    requested_at: datetime
    updated_at: datetime
    location: str | None = None  # where it was received
    resellable: bool | None = None
    refund_id: str | None = None

    def moved(self, to: ReturnStatus, at: datetime) -> Return:
        if to not in NEXT[self.status]:
            leads = ", ".join(sorted(NEXT[self.status])) or "nowhere"
            raise InvalidTransition(
                f"return {self.id} is {self.status}: it cannot become {to} (it may become {leads})"
            )
        return replace(self, status=to, updated_at=at)


@dataclass(frozen=True, slots=True)
class Delivered:
    """What of an order has reached the customer."""

    units: int
    last_delivered_at: datetime | None


def check_returnable(
    quantity: int,
    reason: str,
    delivered: Delivered,
    already_returned: int,
    window_days: int,
    now: datetime,
) -> str:
    """The reason as kept; refused when the order cannot take this return back."""
    why = reason.strip()
    if not why or len(why) > MAX_REASON:
        raise InvalidInput(f"reason: 1 to {MAX_REASON} characters")
    if delivered.last_delivered_at is None or delivered.units == 0:
        raise NotDelivered("nothing of this order has been delivered yet")
    closes = delivered.last_delivered_at + timedelta(days=window_days)
    if now > closes:
        raise ReturnWindowClosed(
            f"the {window_days}-day return window closed at {closes.isoformat()}"
        )
    left = delivered.units - already_returned
    if not 1 <= quantity <= left:
        raise InvalidInput(
            f"quantity: 1 to {left} ({delivered.units} delivered, {already_returned} returned"
            " or asked for already)"
        )
    return why
