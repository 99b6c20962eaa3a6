"""Deciding a chunk of a partner's order lines against the channel's pools, in memory.

The repository reads, inside the chunk's transaction, which of its lines are stored already and
the channel's pools; this decides the rest and says what to write: the lines (imported,
partner-fulfilled or rejected with their problem), each pool's consumption, each level's
committed → allocated move with its one ``allocate`` ledger move, and the fulfilment orders
(source_kind ``partner``) that ship the imported lines from the pools' DCs.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from typing import NamedTuple

from flashsale.channels.domain.channel import Channel
from flashsale.channels.domain.order_line import LineStatus, OrderLine, Problem, StoredLine
from flashsale.channels.domain.pool import Pool
from flashsale.fulfilment.domain.order import FulfilmentOrder, FulfilmentStatus, SourceKind
from flashsale.inventory.domain.stock import Move, MoveKind

ACTOR = "channels"
WRONG_CURRENCY = Problem.WRONG_CURRENCY.value
UNKNOWN_SKU = Problem.UNKNOWN_SKU.value
POOL_EXHAUSTED = Problem.POOL_EXHAUSTED.value
Key = tuple[str, str]  # (location, SKU)


class PartnerShipment(NamedTuple):
    """A fulfilment order (source_kind ``partner``, allocated at the pool's DC) as the chunk
    writes it: a tuple, since a record day makes a million (``fulfilment_order`` makes the
    domain's value of it)."""

    id: str
    line_id: str  # the stored line's id: the fulfilment order's source_id
    sku: str
    quantity: int
    region: str | None
    location: str
    paid_at: datetime  # the partner's purchase time


def fulfilment_order(s: PartnerShipment, market_code: str, now: datetime) -> FulfilmentOrder:
    return FulfilmentOrder(
        s.id, SourceKind.PARTNER, s.line_id, 0, "", market_code, s.sku, s.quantity, s.region,
        FulfilmentStatus.ALLOCATED, s.location, 0, "", s.paid_at, now,
    )  # fmt: skip


@dataclass
class ChunkPlan:
    lines: list[StoredLine] = field(default_factory=list)
    duplicates: int = 0
    consumed: dict[Key, int] = field(default_factory=dict)  # pool consumption, per DC and SKU
    shipments: list[PartnerShipment] = field(default_factory=list)
    market_code: str = ""
    at: datetime | None = None  # the import's time: the fulfilment orders' updated_at
    moves: list[Move] = field(default_factory=list)
    rejected: list[tuple[int, str]] = field(default_factory=list)  # (file line, problem)

    @property
    def imported(self) -> int:
        return sum(1 for line in self.lines if line.status is not LineStatus.REJECTED)


@dataclass(frozen=True, slots=True)
class ImportContext:
    channel: Channel
    timezone: tzinfo  # the market's: a line's day is its market-local purchase day
    now: datetime
    reference: str  # the ledger moves' reference: the import batch
    new_line_id: Callable[[], str]
    new_fulfilment_id: Callable[[], str]


def plan_chunk(
    lines: Sequence[OrderLine],
    stored: Collection[tuple[str, str]],
    pools: Mapping[Key, Pool],
    context: ImportContext,
) -> ChunkPlan:
    """``lines`` in decision order (``sort_key``), no key twice; ``stored``: the keys of them
    the record holds already (duplicates, left as they are)."""
    plan = ChunkPlan(market_code=context.channel.market_code, at=context.now)
    shipments = plan.shipments
    channel = context.channel
    left = {key: pool.available for key, pool in pools.items()}
    by_sku: dict[str, list[Key]] = defaultdict(list)
    for key in sorted(pools):  # a SKU pooled at several DCs: the first code with enough
        by_sku[key[1]].append(key)
    consumed: dict[Key, int] = defaultdict(int)
    zone, code, currency = context.timezone, channel.code, channel.currency
    new_line_id, new_fulfilment_id = context.new_line_id, context.new_fulfilment_id
    days: dict[datetime, date] = {}  # reports repeat their purchase times to the second
    rejected, stored_lines = plan.rejected, plan.lines
    imported, partner, refused = LineStatus.IMPORTED, LineStatus.PARTNER, LineStatus.REJECTED
    duplicates = 0
    new = tuple.__new__  # the named tuples made without their Python __new__: a frame a line
    for x in lines:
        _, order_id, external_line, at, sku, quantity, line_currency, _, region, seller = x
        if stored and (order_id, external_line) in stored:
            duplicates += 1
            continue
        day = days.get(at)
        if day is None:
            day = days[at] = at.astimezone(zone).date()
        line_id = new_line_id()
        status, problem, location, fo_id = refused, "", None, None
        candidates = by_sku.get(sku)
        if line_currency != currency:
            problem = WRONG_CURRENCY
        elif not candidates:
            problem = UNKNOWN_SKU
        elif not seller:
            status = partner
        else:
            for key in candidates:
                if left[key] >= quantity:
                    left[key] -= quantity
                    consumed[key] += quantity
                    status, location, fo_id = imported, key[0], new_fulfilment_id()
                    shipments.append(
                        new(PartnerShipment, (fo_id, line_id, sku, quantity, region, location, at))
                    )
                    break
            else:
                problem = POOL_EXHAUSTED
        if problem:
            rejected.append((x.line, problem))
        stored_lines.append(
            new(StoredLine, (
                line_id, code, order_id, external_line, at, day, sku, quantity, line_currency,
                x.amount, status, problem, location, fo_id,
            ))
        )  # fmt: skip
    plan.duplicates = duplicates
    plan.consumed = dict(consumed)
    plan.moves = [
        Move(loc, sku, MoveKind.ALLOCATE, 0, units, context.reference, ACTOR, context.now)
        for (loc, sku), units in sorted(consumed.items())
    ]
    return plan
