"""Daily sales facts, and how a batch of order events becomes their increments.

Semantics are Shopify's sales report, kept per market-local day:

- sold is paid: ``order.paid`` counts the order, its units and its amount on the paid day;
- a cancel after payment counts its units and amount as cancelled on the cancel day (a cancel
  of an unpaid reservation, like an expiry, never counted and counts nothing);
- a refund (``order.refunded``) counts its amount on the refund's day; net revenue is revenue
  less refunds, so the refund a paid cancel triggers is the money side of that cancel, never
  counted twice;
- shipped, delivered and returned units count on their own days, from the event's
  ``quantity`` when it says one (a partial shipment), else the order's.

Amounts are kept as integers of ten-thousandths of the currency unit (no ISO 4217 currency
has a finer minor unit): exact, and summed by every SQL engine without rounding.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, MutableMapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from flashsale.orders.domain.events import OrderEvent, OrderEventKind

DEFAULT_CHANNEL = "web"
SCALE = 10_000  # amounts are stored in ten-thousandths of a unit
_SCALE = Decimal(SCALE)


class Measure(enum.IntEnum):
    """The columns of a fact, in their stored order; a fact's counts are a list in this order."""

    ORDERS = 0
    UNITS_SOLD = 1
    REVENUE = 2
    UNITS_CANCELLED = 3
    REVENUE_CANCELLED = 4
    REFUNDS = 5
    UNITS_SHIPPED = 6
    UNITS_DELIVERED = 7
    UNITS_RETURNED = 8


MEASURES = tuple(m.name.lower() for m in Measure)
WIDTH = len(MEASURES)
AMOUNT_MEASURES = frozenset({Measure.REVENUE, Measure.REVENUE_CANCELLED, Measure.REFUNDS})


class FactKey(NamedTuple):
    """A tuple: hashed and compared in C, as the hot loop needs (a frozen dataclass's hash is
    Python code, a third of the projection's time)."""

    day: date  # in the market's own time zone
    market: str
    channel: str
    sku: str
    currency: str
    is_rehearsal: bool


Facts = dict[FactKey, list[int]]


def to_scaled(amount: Decimal | str) -> int:
    """An exact amount as ten-thousandths; finer fractions (none are stored) are refused."""
    scaled = Decimal(amount) * _SCALE
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{amount} is finer than 1/{SCALE} of a unit")
    return int(scaled)


def from_scaled(scaled: int) -> Decimal:
    return Decimal(scaled) / _SCALE


@dataclass(frozen=True, slots=True)
class SaleInfo:
    """What the projector needs of a sale: where its days are counted, and whether it is a
    rehearsal."""

    sale_id: str
    market: str
    timezone: str
    is_rehearsal: bool
    opens_at: datetime
    stock_total: int
    sku: str

    @property
    def zone(self) -> ZoneInfo:
        return _zone(self.timezone)


_ZONES: dict[str, ZoneInfo] = {}


def _zone(name: str) -> ZoneInfo:
    zone = _ZONES.get(name)
    if zone is None:
        zone = _ZONES[name] = ZoneInfo(name)
    return zone


def local_day(moment: datetime, timezone: str) -> date:
    return moment.astimezone(_zone(timezone)).date()


# The kinds the projector reads from the feed; the rest change nothing it counts.
COUNTED = frozenset(
    {
        OrderEventKind.RESERVED,
        OrderEventKind.PAID,
        OrderEventKind.EXPIRED,
        OrderEventKind.CANCELLED,
        OrderEventKind.REFUNDED,
        OrderEventKind.SHIPPED,
        OrderEventKind.DELIVERED,
        OrderEventKind.RETURN_RECEIVED,
    }
)
_RESERVED, _PAID, _EXPIRED = OrderEventKind.RESERVED, OrderEventKind.PAID, OrderEventKind.EXPIRED
_CANCELLED, _REFUNDED = OrderEventKind.CANCELLED, OrderEventKind.REFUNDED
_ORDERS, _UNITS_SOLD, _REVENUE = int(Measure.ORDERS), int(Measure.UNITS_SOLD), int(Measure.REVENUE)
_UNITS_OF = {
    OrderEventKind.SHIPPED: int(Measure.UNITS_SHIPPED),
    OrderEventKind.DELIVERED: int(Measure.UNITS_DELIVERED),
    OrderEventKind.RETURN_RECEIVED: int(Measure.UNITS_RETURNED),
}


def cancels_to_check(events: Sequence[OrderEvent]) -> list[str]:
    """Orders cancelled in this batch whose payment, if any, came before it: whether they had
    been paid is a question for the record (``paid_among``)."""
    cancelled = [at for at, event in enumerate(events) if event.kind is _CANCELLED]
    if not cancelled:  # a festival's batches: payments and shipments, no cancel
        return []
    paid_here: set[str] = set()
    unknown: list[str] = []
    for event in events[: cancelled[-1] + 1]:
        if event.kind is _PAID:
            paid_here.add(event.order_id)
        elif event.kind is _CANCELLED and event.order_id not in paid_here:
            unknown.append(event.order_id)
    return unknown


class Step(NamedTuple):
    """One move of a sale's stock as the feed tells it, for the sell-out times."""

    sale_id: str
    units: int  # + taken (a reservation), - given back (an expiry or a cancel)
    at: datetime


@dataclass(slots=True)
class Projection:
    facts: Facts
    steps: list[Step]
    skipped: int = 0  # events of a sale the shop does not know


def _quantity(data: Mapping[str, Any], default: int) -> int:
    value = data.get("quantity")
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def project(
    events: Sequence[OrderEvent],
    sales: Mapping[str, SaleInfo],
    paid_before: set[str],
    into: Facts | None = None,
) -> Projection:
    """The increments a batch makes to the facts (added to ``into`` when given).

    ``paid_before``: orders cancelled in the batch that had been paid before it.
    """
    facts: Facts = {} if into is None else into
    # Counts by a plain tuple while the batch is read (a NamedTuple's __new__ is Python code,
    # paid per event); made FactKeys once per distinct key at the end.
    counted: dict[tuple[Any, ...], list[int]] = {}
    steps: list[Step] = []
    paid = set(paid_before)
    skipped = 0
    # Local days by (zone, quarter of an hour): every zone's offset is a whole quarter hour, and
    # a festival's events come by the thousand a second.
    days: dict[tuple[str, int], date] = {}
    amounts: dict[str, int] = {}  # a sale's orders share their few amounts
    for event in events:
        kind = event.kind
        if kind not in COUNTED:
            continue
        order = event.order
        sale = sales.get(order.sale_id)
        if sale is None:
            skipped += 1
            continue
        if kind is _RESERVED:
            steps.append(Step(sale.sale_id, order.quantity, event.at))
            continue
        if kind is _EXPIRED:
            steps.append(Step(sale.sale_id, -order.quantity, event.at))
            continue
        if kind is _CANCELLED:
            steps.append(Step(sale.sale_id, -order.quantity, event.at))
            if event.order_id not in paid:
                continue  # a reservation cancelled before payment: never sold
        data = event.data
        currency = order.currency
        if kind is _REFUNDED:
            currency = str(data.get("currency") or currency)
        at = event.at
        moment = (sale.timezone, int(at.timestamp()) // 900)
        day = days.get(moment)
        if day is None:
            day = days[moment] = local_day(at, sale.timezone)
        channel = data.get("channel") if data else None
        key = (
            day,
            sale.market,
            channel if isinstance(channel, str) and channel else DEFAULT_CHANNEL,
            order.sku,
            currency,
            sale.is_rehearsal,
        )
        counts = counted.get(key)
        if counts is None:
            counts = counted[key] = [0] * WIDTH
        if kind is _PAID:
            paid.add(event.order_id)
            scaled = amounts.get(order.amount)
            if scaled is None:
                scaled = amounts[order.amount] = to_scaled(order.amount)
            counts[_ORDERS] += 1
            counts[_UNITS_SOLD] += order.quantity
            counts[_REVENUE] += scaled
        elif kind is _CANCELLED:
            counts[Measure.UNITS_CANCELLED] += order.quantity
            counts[Measure.REVENUE_CANCELLED] += to_scaled(order.amount)
        elif kind is _REFUNDED:
            counts[Measure.REFUNDS] += to_scaled(str(data.get("amount", "0")))
        else:
            counts[_UNITS_OF[kind]] += _quantity(data, order.quantity)
    for key, counts in counted.items():
        fact = FactKey(*key)
        kept = facts.get(fact)
        if kept is None:
            facts[fact] = counts
        else:
            for i, n in enumerate(counts):
                kept[i] += n
    return Projection(facts, steps, skipped)


def add_facts(
    total: MutableMapping[FactKey, list[int]], more: Mapping[FactKey, Sequence[int]]
) -> None:
    for key, counts in more.items():
        kept = total.get(key)
        if kept is None:
            total[key] = list(counts)
        else:
            for i, n in enumerate(counts):
                kept[i] += n


def nonzero(facts: Mapping[FactKey, Sequence[int]]) -> dict[FactKey, tuple[int, ...]]:
    """Facts with at least one count: an all-zero row and no row say the same."""
    return {key: tuple(counts) for key, counts in facts.items() if any(counts)}


@dataclass(slots=True)
class SaleProgress:
    """A sale's stock as the feed tells it: units taken in all, units held now, and the moment
    the last unit was first taken (its sell-out), measured from the opening."""

    sale_id: str
    market: str
    sku: str
    is_rehearsal: bool
    opens_at: datetime
    stock_total: int
    units_taken: int = 0
    units_live: int = 0
    sold_out_at: datetime | None = None

    @property
    def seconds_to_sell_out(self) -> float | None:
        if self.sold_out_at is None:
            return None
        return (self.sold_out_at - self.opens_at).total_seconds()


def fold_progress(
    prior: Mapping[str, SaleProgress], steps: Sequence[Step], sales: Mapping[str, SaleInfo]
) -> dict[str, SaleProgress]:
    """The progress of every sale the steps touch, after them."""
    moved: dict[str, SaleProgress] = {}
    for step in steps:
        progress = moved.get(step.sale_id)
        if progress is None:
            known = prior.get(step.sale_id)
            if known is None:
                sale = sales[step.sale_id]
                known = SaleProgress(
                    sale.sale_id,
                    sale.market,
                    sale.sku,
                    sale.is_rehearsal,
                    sale.opens_at,
                    sale.stock_total,
                )
            progress = moved[step.sale_id] = SaleProgress(
                known.sale_id,
                known.market,
                known.sku,
                known.is_rehearsal,
                known.opens_at,
                known.stock_total,
                known.units_taken,
                known.units_live,
                known.sold_out_at,
            )
        if step.units > 0:
            progress.units_taken += step.units
        progress.units_live += step.units
        if progress.sold_out_at is None and progress.units_live >= progress.stock_total:
            progress.sold_out_at = step.at
    return moved
