"""Deciding a chunk of a partner's cancellations and returns, in memory, inside the chunk's
transaction: the repository reads which of them are stored, the lines they name and those
lines' fulfilment orders (locked on PostgreSQL); this says what to write (channels/domain/
returns.py): the returns, the fulfilment orders to cancel, each level's allocated → committed
and each pool's consumption given back for a cancellation, on-hand for a return, and the ledger's
moves.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo

from flashsale.channels.domain.door_counting import PARTNER_CANCEL, PARTNER_RETURN
from flashsale.channels.domain.order_line import StoredLine
from flashsale.channels.domain.returns import (
    STORED_PROBLEMS,
    Outcome,
    ReportedReturn,
    ReturnKind,
    ReturnProblem,
    StoredReturn,
    decide,
    return_ref,
)
from flashsale.fulfilment.domain.order import FulfilmentStatus
from flashsale.inventory.domain.stock import Move, MoveKind

ACTOR = "channels"
CANCELLED_REASON = "the partner cancelled the line"
Key = tuple[str, str]  # (location, SKU)
ReturnKey = tuple[str, str, str, str]  # (order id, line id, kind, ref: returns.return_ref)


@dataclass(frozen=True, slots=True)
class ReturnContext:
    channel: str
    timezone: tzinfo  # the market's: a return's day is its market-local day
    now: datetime
    batch: str  # the ledger's reference for the releases
    new_id: Callable[[], str]


@dataclass
class ReturnPlan:
    rows: list[StoredReturn] = field(default_factory=list)
    duplicates: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)  # (file line, problem)
    cancelled: list[str] = field(default_factory=list)  # fulfilment orders allocated → cancelled
    released: dict[Key, int] = field(default_factory=dict)  # allocated → committed, pool −n
    received: dict[Key, int] = field(default_factory=dict)  # on hand +n (less the write-offs)
    moves: list[Move] = field(default_factory=list)
    at: datetime | None = None

    @property
    def applied(self) -> int:
        return sum(1 for row in self.rows if row.applied)


def line_of(
    reported: ReportedReturn, lines: Mapping[str, Sequence[StoredLine]]
) -> StoredLine | None:
    """The stored line a return names: by its line id, or (Amazon's returns report names none)
    the order's first line of its SKU."""
    for line in lines.get(reported.order_id, ()):
        if reported.line_id is not None and line.line_id == reported.line_id:
            return line
        if reported.line_id is None and line.sku == reported.sku:
            return line
    return None


def plan_returns(
    returns: Sequence[ReportedReturn],
    stored: Mapping[ReturnKey, StoredReturn],
    lines: Mapping[str, Sequence[StoredLine]],
    statuses: Mapping[str, FulfilmentStatus],
    context: ReturnContext,
) -> ReturnPlan:
    """``returns`` in the file's order; ``stored``: the returns kept already of their orders,
    by (order, line, kind, ref); ``lines``: the channel's stored lines of the returns' orders;
    ``statuses``: their fulfilment orders' statuses, by id."""
    plan = ReturnPlan(at=context.now)
    seen = set(stored)
    # A return kept before a line's returns were told apart (ref "") stands for all of them.
    whole = {key[:3] for key, ret in stored.items() if ret.kind is ReturnKind.RETURN and not key[3]}
    returned: dict[tuple[str, str], int] = defaultdict(int)  # units back per (order, line)
    for ret in stored.values():
        if ret.kind is ReturnKind.RETURN and ret.applied:
            returned[ret.order_id, ret.line_id] += ret.quantity
    status_now = dict(statuses)
    released: dict[Key, int] = defaultdict(int)
    received: dict[Key, int] = defaultdict(int)
    for reported in returns:
        line = line_of(reported, lines)
        ref = return_ref(reported)
        if line is not None:
            key = (line.order_id, line.line_id, reported.kind.value, ref)
            if key in seen or key[:3] in whole:
                plan.duplicates += 1
                continue
        fo_id = line.fulfilment_order_id if line is not None else None
        status = status_now.get(fo_id) if fo_id is not None else None
        before = 0
        if line is not None and reported.kind is ReturnKind.RETURN:
            before = returned[line.order_id, line.line_id]
        outcome, problem = decide(reported, line, status, before)
        if line is None or (problem is not None and problem not in STORED_PROBLEMS):
            why = (problem or outcome).value
            if problem is ReturnProblem.QUANTITY and line is not None:
                asked = line.quantity - before if reported.quantity is None else reported.quantity
                why += f": {asked} asked, {line.quantity} sold, {before} returned before"
            plan.rejected.append((reported.line, why))
            continue
        seen.add((line.order_id, line.line_id, reported.kind.value, ref))
        if problem is not None:
            plan.rejected.append((reported.line, problem.value))
        quantity = line.quantity - before if reported.quantity is None else reported.quantity
        ret = StoredReturn(
            context.new_id(), context.channel, line.order_id, line.line_id, reported.kind,
            reported.at, reported.at.astimezone(context.timezone).date(), line.sku, quantity,
            outcome, problem.value if problem else "",
            line.location if outcome is not Outcome.RECORDED else None, fo_id, ref,
        )  # fmt: skip
        plan.rows.append(ret)
        if ret.kind is ReturnKind.RETURN and ret.applied:
            returned[ret.order_id, ret.line_id] += ret.quantity
        _apply(plan, ret, released, received, context)
        if outcome is Outcome.RELEASED and fo_id is not None:
            status_now[fo_id] = FulfilmentStatus.CANCELLED
    plan.released, plan.received = dict(released), dict(received)
    plan.moves[:0] = [
        Move(loc, sku, MoveKind.RELEASE, 0, -units, f"{PARTNER_CANCEL}{context.channel}:"
             f"{context.batch}", ACTOR, context.now)
        for (loc, sku), units in sorted(released.items())
    ]  # fmt: skip
    return plan


def _apply(
    plan: ReturnPlan,
    ret: StoredReturn,
    released: dict[Key, int],
    received: dict[Key, int],
    context: ReturnContext,
) -> None:
    if ret.location is None or not ret.applied:
        return
    key = (ret.location, ret.sku)
    if ret.outcome is Outcome.RELEASED:
        assert ret.fulfilment_order_id is not None  # an imported line has one
        plan.cancelled.append(ret.fulfilment_order_id)
        released[key] += ret.quantity
        return
    reference = f"{PARTNER_RETURN}{context.channel}:{ret.id}"
    plan.moves.append(
        Move(ret.location, ret.sku, MoveKind.RETURN_RECEIPT, ret.quantity, 0, reference, ACTOR,
             context.now)
    )  # fmt: skip
    received[key] += ret.quantity
    if ret.outcome is Outcome.WRITTEN_OFF:
        plan.moves.append(
            Move(ret.location, ret.sku, MoveKind.WRITE_OFF, -ret.quantity, 0, reference, ACTOR,
                 context.now)
        )  # fmt: skip
        received[key] -= ret.quantity
