"""Waves: a batch of a location's allocated fulfilment orders handed to the pickers together.

A wave takes the location's allocated orders in paid-time order (the oldest customer waits
least), up to what the location can ship in the coming hour: its ``capacity_per_hour`` less
what the waves it cut in the last hour hold already, or fewer when asked. Its orders move to
``picking`` in the transaction that cuts it, so two cuts never take the same order, and the
pickers walk the aisles once per SKU: the pick lines group the wave's units by SKU.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from flashsale.fulfilment.domain.order import FulfilmentOrder
from flashsale.kernel.errors import InvalidInput

# A location's capacity is per hour: a wave may take what the last hour's waves left of it.
CAPACITY_WINDOW = timedelta(hours=1)
MAX_WAVE_ORDERS = 100_000


@dataclass(frozen=True, slots=True)
class PickLine:
    sku: str
    quantity: int  # units to take from the shelf
    orders: int  # fulfilment orders they are for


@dataclass(frozen=True, slots=True)
class Wave:
    id: str
    location: str
    cut_at: datetime
    cut_by: str
    orders: tuple[FulfilmentOrder, ...]  # in paid-time order

    @property
    def lines(self) -> tuple[PickLine, ...]:
        return pick_lines(self.orders)

    @property
    def units(self) -> int:
        return sum(fo.quantity for fo in self.orders)


def pick_lines(orders: tuple[FulfilmentOrder, ...] | list[FulfilmentOrder]) -> tuple[PickLine, ...]:
    """The wave's units grouped by SKU, by SKU."""
    units: dict[str, list[int]] = {}
    for fo in orders:
        line = units.setdefault(fo.sku, [0, 0])
        line[0] += fo.quantity
        line[1] += 1
    return tuple(PickLine(sku, q, n) for sku, (q, n) in sorted(units.items()))


def wave_size(capacity_per_hour: int, waved_last_hour: int, max_orders: int | None) -> int:
    """How many orders the next wave may take (0 when the hour's capacity is spent)."""
    if max_orders is not None and not 1 <= max_orders <= MAX_WAVE_ORDERS:
        raise InvalidInput(f"max_orders: 1 to {MAX_WAVE_ORDERS}")
    room = max(0, capacity_per_hour - waved_last_hour)
    return room if max_orders is None else min(room, max_orders)


def scheduled_share(capacity_per_hour: int, every: timedelta) -> int:
    """How many orders a wave the worker cuts every ``every`` may take: the interval's share of
    the hour (half of it every 30 minutes), so the pickers get an even flow rather than the
    whole hour at once and nothing the next half; a wave still never takes what the last hour's
    waves spent (``wave_size``)."""
    share = math.ceil(capacity_per_hour * every / CAPACITY_WINDOW)
    return max(1, min(share, capacity_per_hour, MAX_WAVE_ORDERS))
