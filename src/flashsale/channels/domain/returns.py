"""A partner's cancellations and returns of lines it sold, and what each does to our stock.

Partners report them late and more than once (Amazon's returns report by return date, Flipkart's
returns API and cancelled shipments), so each is kept once per (channel, order id, line id,
kind, ref): the same report sent again changes nothing. A cancellation takes the whole line, once
(``ref`` ""). A line may come back in several returns (3 bought, 1 returned, then 2 more): each is
told apart by ``ref``, the partner's return id where its report gives one (Flipkart's
``returnId``, Amazon's RMA, the neutral ``return_id``), else the moment the return was asked
(``return_ref``); together they never pass what the line sold (``quantity-above-line``, naming
the numbers). A return stored before returns were told apart has ``ref`` "" and stands for every
return of its line, as it did then.

- a cancellation of an imported line whose fulfilment order is only allocated: ``released``
  (the fulfilment order cancelled, the level's units allocated → committed, the pool's
  consumption given back, a ``release`` move);
- a cancellation once picking started, or the line left: ``rejected: in-fulfilment`` (nothing
  moves: the unit comes back as a return);
- a return of an imported line shipped or delivered: ``restocked`` (a ``return_receipt`` at the
  line's location) or ``written-off`` when damaged (and a ``write_off`` of it);
- either, of a line the partner fulfilled itself: ``recorded`` (nothing of ours moves);
- either, of a line rejected at import: ``rejected: line-not-imported``.

Not stored (the report may be sent again once it can be applied): a line the channel never
imported (``unknown-line``), a return of a line not yet shipped (``not-shipped``) or cancelled
(``line-cancelled``), a quantity above the line's (``quantity-above-line``), a cancellation of
part of a line (``partial-cancellation``: a line's fulfilment order ships whole).
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import NamedTuple

from flashsale.channels.domain.order_line import LineStatus, StoredLine
from flashsale.fulfilment.domain.order import CANCELLABLE, FulfilmentStatus


class ReturnKind(enum.StrEnum):
    CANCELLATION = "cancellation"  # before it left: the unit never moved
    RETURN = "return"  # after it left: the unit comes back to the line's location


class Outcome(enum.StrEnum):
    RELEASED = "released"
    RESTOCKED = "restocked"
    WRITTEN_OFF = "written-off"
    RECORDED = "recorded"
    REJECTED = "rejected"


APPLIED = frozenset({Outcome.RELEASED, Outcome.RESTOCKED, Outcome.WRITTEN_OFF, Outcome.RECORDED})


class ReturnProblem(enum.StrEnum):
    IN_FULFILMENT = "in-fulfilment"  # stored: a cancellation too late to stop the parcel
    LINE_NOT_IMPORTED = "line-not-imported"  # stored: the line was rejected, nothing to undo
    UNKNOWN_LINE = "unknown-line"
    NOT_SHIPPED = "not-shipped"
    LINE_CANCELLED = "line-cancelled"
    QUANTITY = "quantity-above-line"
    PARTIAL_CANCELLATION = "partial-cancellation"


STORED_PROBLEMS = frozenset({ReturnProblem.IN_FULFILMENT, ReturnProblem.LINE_NOT_IMPORTED})
LEFT = frozenset({FulfilmentStatus.SHIPPED, FulfilmentStatus.DELIVERED})


class ReportedReturn(NamedTuple):
    """A cancellation or return as a partner's report gives it."""

    line: int  # where it is in the file, for the answer's problems
    order_id: str
    line_id: str | None  # None: the report names the SKU, not the line (Amazon's returns)
    sku: str | None
    kind: ReturnKind
    quantity: int | None  # None: the whole line
    at: datetime  # UTC
    damaged: bool  # a return not fit to sell again: written off on arrival
    ref: str | None = None  # the partner's id of the return, or when it was asked; None: ``at``


def return_ref(reported: ReportedReturn) -> str:
    """What tells a line's returns apart: "" for a cancellation (the whole line, once)."""
    if reported.kind is ReturnKind.CANCELLATION:
        return ""
    return reported.ref or reported.at.isoformat()


class StoredReturn(NamedTuple):
    id: str
    channel: str
    order_id: str
    line_id: str
    kind: ReturnKind
    at: datetime
    day: date  # the market-local day it was reported for: reconciliation's day
    sku: str
    quantity: int
    outcome: Outcome
    problem: str  # a ReturnProblem's value, or ""
    location: str | None  # where the unit came back to, or was released at
    fulfilment_order_id: str | None
    ref: str = ""  # return_ref: "" for a cancellation, and for a return stored before parts

    @property
    def applied(self) -> bool:
        return self.outcome in APPLIED


def decide(
    reported: ReportedReturn,
    line: StoredLine | None,
    status: FulfilmentStatus | None,
    returned: int = 0,
) -> tuple[Outcome, ReturnProblem | None]:
    """What the return does to the line: its outcome, and the problem of one rejected (stored
    when the problem is in ``STORED_PROBLEMS``, else only reported). ``status``: the line's
    fulfilment order's, read in the transaction that applies it; ``returned``: the line's
    units its earlier returns took back (a return of the rest of the line by default)."""
    if line is None:
        return Outcome.REJECTED, ReturnProblem.UNKNOWN_LINE
    quantity = line.quantity - returned if reported.quantity is None else reported.quantity
    if quantity < 1 or quantity > line.quantity - returned:
        return Outcome.REJECTED, ReturnProblem.QUANTITY
    if reported.kind is ReturnKind.CANCELLATION and quantity != line.quantity:
        return Outcome.REJECTED, ReturnProblem.PARTIAL_CANCELLATION
    if line.status is LineStatus.REJECTED:
        return Outcome.REJECTED, ReturnProblem.LINE_NOT_IMPORTED
    if line.status is LineStatus.PARTNER:
        return Outcome.RECORDED, None
    if status is FulfilmentStatus.CANCELLED:
        return Outcome.REJECTED, ReturnProblem.LINE_CANCELLED
    if reported.kind is ReturnKind.CANCELLATION:
        if status in CANCELLABLE:
            return Outcome.RELEASED, None
        return Outcome.REJECTED, ReturnProblem.IN_FULFILMENT
    if status not in LEFT:
        return Outcome.REJECTED, ReturnProblem.NOT_SHIPPED
    return (Outcome.WRITTEN_OFF if reported.damaged else Outcome.RESTOCKED), None
