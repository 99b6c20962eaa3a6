"""The purchases-per-second chart of a sale, over the whole sale: the opening's spike stays on
it, with the moment the sale sold out, the peak and how long selling out took.

A long sale is drawn in wider buckets (each the mean purchases per second over its width) so the
chart keeps at most ``MAX_POINTS``; the peak is always the busiest single second.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from flashsale.orders.domain.order import Order, OrderStatus

MAX_POINTS = 1_800
RETURNED = (OrderStatus.EXPIRED, OrderStatus.CANCELLED)


def sold_out_at(orders: Sequence[Order], stock_total: int) -> datetime | None:
    """The first moment every unit was held: units taken as orders came in, given back as
    unpaid or cancelled orders closed."""
    moves: list[tuple[datetime, int]] = [(o.created_at, o.quantity) for o in orders]
    moves += [(o.closed_at, -o.quantity) for o in orders if o.status in RETURNED and o.closed_at]
    # At one instant, returns first: a unit given back and taken again never read as sold out.
    moves.sort(key=lambda move: (move[0], move[1]))
    held = 0
    for at, units in moves:
        held += units
        if held >= stock_total:
            return at
    return None


def after(seconds: float) -> str:
    """How long selling out took: ``0.84 s``, ``12.3 s``, ``4 min 05 s``, ``2 h 03 min``."""
    if seconds < 10:
        return f"{seconds:.2f} s"
    if seconds < 60:
        return f"{seconds:.1f} s"
    whole = int(seconds)
    if whole < 3600:
        return f"{whole // 60} min {whole % 60:02d} s"
    return f"{whole // 3600} h {whole % 3600 // 60:02d} min"


def purchase_chart(
    orders: Sequence[Order],
    *,
    opens_at: datetime,
    closes_at: datetime,
    now: datetime,
    stock_total: int,
    timezone: str,
) -> dict[str, Any]:
    """The chart's series (unix seconds; purchases per second) and its marks, as JSON."""
    start = int(opens_at.timestamp())
    end = int(min(now, closes_at).timestamp())
    per_second = Counter(int(o.created_at.timestamp()) for o in orders)
    sold_out = sold_out_at(orders, stock_total)
    peak_at, peak = max(per_second.items(), key=lambda item: (item[1], -item[0]), default=(0, 0))
    times: list[int] = []
    counts: list[float] = []
    if end >= start:
        width = max(1, math.ceil((end - start + 1) / MAX_POINTS))
        for bucket in range(start, end + 1, width):
            total = sum(per_second.get(t, 0) for t in range(bucket, min(bucket + width, end + 1)))
            times.append(bucket)
            counts.append(total if width == 1 else round(total / width, 2))
    return {
        "times": times,
        "counts": counts,
        "timezone": timezone,
        "opens_at": opens_at.timestamp(),
        "sold_out_at": None if sold_out is None else sold_out.timestamp(),
        "sold_out_after": None
        if sold_out is None
        else after((sold_out - opens_at).total_seconds()),
        "peak": peak,
        "peak_at": peak_at or None,
    }
