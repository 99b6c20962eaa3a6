"""The live figures of one sale for the operator, from the record and this server's metrics.

Units, orders, purchases per second and revenue come from the stored orders, so every server of
a fleet shows the same; refusals and latency come from this server's Prometheus metrics (the
purchase counter is not labelled by sale: one label per sale would grow without end).
"""

from __future__ import annotations

import math
from collections import Counter
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

from prometheus_client import Counter as PromCounter
from prometheus_client import Histogram

from flashsale.catalog.service import Catalog
from flashsale.kernel.metrics import Metrics
from flashsale.kernel.money import Money
from flashsale.orders.domain.order import OrderStatus
from flashsale.orders.service.orders import Orders
from flashsale.sales.domain.sale import SaleState
from flashsale.sales.service.auditing import Auditing
from flashsale.sales.service.sales import Sales
from flashsale.waiting_room.service.room import WaitingRoom
from flashsale.web.money import format_money
from flashsale.web.storefront import SALE_STATE_LABELS

CHART_SECONDS = 120
ORDERS_CHARTED = 200_000  # beyond this the chart thins out; the counts above it stay exact
FINAL_STATES = (SaleState.SOLD_OUT, SaleState.CLOSED)


class DashboardServices(Protocol):
    sales: Sales
    catalog: Catalog
    orders: Orders
    auditing: Auditing
    room: WaitingRoom
    metrics: Metrics


def p99_seconds(histogram: Histogram) -> float | None:
    """The upper bound of the bucket holding the 99th percentile; None before any sample."""
    buckets: list[tuple[float, float]] = []
    for metric in histogram.collect():
        for sample in metric.samples:
            if sample.name.endswith("_bucket"):
                buckets.append((float(sample.labels["le"]), sample.value))
    buckets.sort()
    total = buckets[-1][1] if buckets else 0.0
    if total <= 0:
        return None
    for bound, count in buckets:
        if count >= 0.99 * total:
            return bound
    return math.inf


def refusals(counter: PromCounter) -> dict[str, int]:
    found: dict[str, int] = {}
    for metric in counter.collect():
        for sample in metric.samples:
            outcome = sample.labels.get("outcome")
            if sample.name.endswith("_total") and outcome and outcome != "reserved":
                found[outcome] = int(sample.value)
    return dict(sorted(found.items()))


def _ms(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    if math.isinf(seconds):
        return "> 250 ms"
    return f"≤ {seconds * 1000:g} ms"


async def sale_figures(services: DashboardServices, sale_id: str) -> dict[str, Any]:
    view = await services.sales.view(sale_id)
    sale = view.sale
    market = await services.catalog.market(sale.market_code)
    orders = await services.orders.of_sale(sale.id, limit=ORDERS_CHARTED)
    units: Counter[OrderStatus] = Counter()
    revenue = Decimal(0)
    for order in orders:
        units[order.status] += order.quantity
        if order.status is OrderStatus.PAID:
            revenue += order.amount.amount
    now = view.server_time
    times, counts = _per_second(sale.opens_at, now, [o.created_at for o in orders])
    figures: dict[str, Any] = {
        "state": view.state.value,
        "state_label": SALE_STATE_LABELS[view.state],
        "server_time": now.isoformat(),
        "stock_total": sale.stock_total,
        "stock_left": view.stock_left,
        "orders": len(orders),
        "reserved": units[OrderStatus.RESERVED],
        "paid": units[OrderStatus.PAID],
        "expired": units[OrderStatus.EXPIRED],
        "cancelled": units[OrderStatus.CANCELLED],
        "revenue": format_money(Money(revenue, sale.price.currency), market.locale),
        "refusals": refusals(services.metrics.purchases),
        "gate_p99": _ms(p99_seconds(services.metrics.gate_seconds)),
        "commit_p99": _ms(p99_seconds(services.metrics.commit_seconds)),
        "chart": {"times": times, "counts": counts},
        "audit": None,
        "queue": None,
    }
    if await services.room.room_of(sale.id) is not None:
        summary = await services.room.summary(sale.id, now)
        figures["queue"] = {
            "waiting": summary.waiting,
            "admitted": summary.cursor,
            "joined": summary.joined,
        }
    if view.state in FINAL_STATES:
        audit = await services.auditing.audit(sale.id)
        figures["audit"] = {
            "clean": audit.clean,
            "rows": [
                ["Stock", audit.stock_total, True],
                ["Units left (record)", audit.stock_left, True],
                ["Units left (gate)", audit.gate_stock_left, audit.conservation_ok],
                ["Reserved", audit.units.reserved, True],
                ["Paid", audit.units.paid, True],
                ["Expired", audit.units.expired, True],
                ["Cancelled", audit.units.cancelled, True],
                ["Oversold", audit.oversold, audit.oversold == 0],
                [
                    "Customers over the limit",
                    audit.customers_over_limit,
                    audit.customers_over_limit == 0,
                ],
                [
                    "Orders without a matching payment",
                    audit.orders_without_payment_match,
                    audit.orders_without_payment_match == 0,
                ],
                [
                    "Stock conserved",
                    "yes" if audit.conservation_ok else "no",
                    audit.conservation_ok,
                ],
            ],
        }
    return figures


def _per_second(
    opens_at: datetime, now: datetime, created: list[datetime]
) -> tuple[list[int], list[int]]:
    """Orders per second over the last CHART_SECONDS since the opening (unix seconds)."""
    end = int(now.timestamp())
    start = max(int(opens_at.timestamp()), end - CHART_SECONDS)
    if end < start:
        return [], []
    counts = Counter(int(moment.timestamp()) for moment in created)
    times = list(range(start, end + 1))
    return times, [counts.get(t, 0) for t in times]
