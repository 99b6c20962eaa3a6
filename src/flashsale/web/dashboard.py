"""The live figures of one sale for the operator, from the record and this server's metrics,
read together each time so that no figure on the page contradicts another.

Units, orders, purchases per second and revenue come from the stored orders, so every server of
a fleet shows the same; refusals and latency come from this server's Prometheus metrics, the
refusals the sale's own (the purchase counter is labelled by sale, as the purchase path counts
them: no work added to it).
"""

from __future__ import annotations

import gettext
import math
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
from flashsale.sales.domain.audit import SaleAudit
from flashsale.sales.domain.sale import FlashSale, SaleState
from flashsale.sales.errors import (
    CommitFailed,
    InsufficientStock,
    LimitReached,
    NotRegistered,
    SaleClosed,
    SaleNotOpenYet,
    SoldOut,
)
from flashsale.sales.service.auditing import Auditing
from flashsale.sales.service.sales import Sales
from flashsale.waiting_room.service.room import WaitingRoom
from flashsale.web.i18n import N_
from flashsale.web.money import format_money
from flashsale.web.sale_chart import purchase_chart
from flashsale.web.storefront import SALE_STATE_LABELS

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


# The purchase path's refusals (their problem types), as an operator says them.
REFUSAL_REASONS = {
    SoldOut.code: N_("sold out"),
    InsufficientStock.code: N_("fewer units left than asked"),
    LimitReached.code: N_("limit reached"),
    NotRegistered.code: N_("not registered"),
    SaleClosed.code: N_("closed"),
    SaleNotOpenYet.code: N_("not open yet"),
    CommitFailed.code: N_("not stored, try again (503)"),
}


def refusals(counter: PromCounter, sale_id: str) -> list[dict[str, Any]]:
    """This sale's refusals on this server by reason, the most frequent first."""
    found: dict[str, int] = {}
    for metric in counter.collect():
        for sample in metric.samples:
            labels = sample.labels
            outcome = labels.get("outcome")
            if (
                sample.name.endswith("_total")
                and labels.get("sale") == sale_id
                and outcome
                and outcome != "reserved"
            ):
                found[outcome] = found.get(outcome, 0) + int(sample.value)
    ranked = sorted(found.items(), key=lambda item: (-item[1], item[0]))
    return [
        {"code": code, "reason": REFUSAL_REASONS.get(code, code), "count": count}
        for code, count in ranked
    ]


def _ms(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    if math.isinf(seconds):
        return "> 250 ms"
    return f"≤ {seconds * 1000:g} ms"


async def sale_figures(services: DashboardServices, sale_id: str) -> dict[str, Any]:
    """Every figure of the dashboard, from one reading: the cards, the chart and the audit show
    the same moment, so they cannot disagree (the audit was once read only after the sale, and
    said 0 left under cards saying 1 after units came back)."""
    view = await services.sales.view(sale_id)
    sale = view.sale
    market = await services.catalog.market(sale.market_code)
    audit = await services.auditing.audit(sale.id)
    orders = await services.orders.of_sale(sale.id, limit=ORDERS_CHARTED)
    revenue = sum(
        (o.amount.amount for o in orders if o.status is OrderStatus.PAID), start=Decimal(0)
    )
    now = view.server_time
    settled = view.state in FINAL_STATES
    figures: dict[str, Any] = {
        "state": view.state.value,
        "state_label": SALE_STATE_LABELS[view.state],
        "server_time": now.isoformat(),
        "stock_total": sale.stock_total,
        "registered": await registered(services.sales, sale, now),
        # The record's figures, the audit's own: units left for sale and units by status.
        "stock_left": audit.stock_left,
        "orders": len(orders),
        "reserved": audit.units.reserved,
        "paid": audit.units.paid,
        "expired": audit.units.expired,
        "cancelled": audit.units.cancelled,
        "revenue": format_money(Money(revenue, sale.price.currency), market.locale),
        "refusals": refusals(services.metrics.purchases, sale.id),
        "gate_p99": _ms(p99_seconds(services.metrics.gate_seconds)),
        "commit_p99": _ms(p99_seconds(services.metrics.commit_seconds)),
        "chart": purchase_chart(
            orders,
            opens_at=sale.opens_at,
            closes_at=sale.closes_at,
            now=now,
            stock_total=sale.stock_total,
            timezone=market.timezone,
        ),
        "audit": audit_figures(audit, settled),
        "queue": None,
    }
    chart = figures["chart"]
    figures["peak"] = f"{chart['peak']:,}"
    after = chart["sold_out_after"]
    # English here; worded() says them in the reader's language.
    figures["sold_out"] = f"sold out after {after}" if after else "not sold out"
    if await services.room.room_of(sale.id) is not None:
        summary = await services.room.summary(sale.id, now)
        figures["queue"] = {
            "waiting": summary.waiting,
            "admitted": summary.cursor,
            "joined": summary.joined,
        }
    return figures


# Counts of sales whose registration has closed: they cannot change, so a sale's dashboard
# counts its fans once, not twice a second through the opening rush.
_FINAL_COUNTS: dict[tuple[str, datetime], int] = {}
_FINAL_COUNTS_KEPT = 256


async def registered(sales: Sales, sale: FlashSale, now: datetime) -> int:
    """Customers registered for the sale, from the record."""
    key = (sale.id, sale.registration_closes_at)
    if key in _FINAL_COUNTS:
        return _FINAL_COUNTS[key]
    count = await sales.registered_count(sale.id)
    if now >= sale.registration_closes_at:
        if len(_FINAL_COUNTS) >= _FINAL_COUNTS_KEPT:
            _FINAL_COUNTS.clear()
        _FINAL_COUNTS[key] = count
    return count


def audit_figures(audit: SaleAudit, settled: bool) -> dict[str, Any]:
    """The audit's rows and verdict. While the sale is live, the gate runs ahead of the record
    by the purchases being written (milliseconds): the gate's figure is shown, and judged only
    once the sale has settled (sold out or closed)."""
    gate_ok = audit.gate_drift in (None, 0) or not settled
    counted = audit.units_counted is None or audit.units_counted == audit.sold
    record_ok = (
        audit.oversold == 0
        and audit.customers_over_limit == 0
        and audit.orders_without_payment_match == 0
        and counted
    )
    gate = "–" if audit.gate_stock_left is None else audit.gate_stock_left
    return {
        "clean": audit.clean if settled else record_ok,
        "settled": settled,
        "rows": [
            [N_("Stock"), audit.stock_total, True],
            [N_("Units left (record)"), audit.stock_left, True],
            [N_("Units left (gate)") if settled else N_("Units left (gate, live)"), gate, gate_ok],
            [N_("Reserved"), audit.units.reserved, True],
            [N_("Paid"), audit.units.paid, True],
            [N_("Expired"), audit.units.expired, True],
            [N_("Cancelled"), audit.units.cancelled, True],
            [N_("Oversold"), audit.oversold, audit.oversold == 0],
            [
                N_("Customers over the limit"),
                audit.customers_over_limit,
                audit.customers_over_limit == 0,
            ],
            [
                N_("Orders without a matching payment"),
                audit.orders_without_payment_match,
                audit.orders_without_payment_match == 0,
            ],
            [
                N_("Stock conserved"),
                N_("yes") if (audit.conservation_ok if settled else counted) else N_("no"),
                audit.conservation_ok if settled else counted,
            ],
        ],
    }


def worded(figures: dict[str, Any], say: gettext.NullTranslations) -> dict[str, Any]:
    """``figures`` with their words in a reader's language (``say``: the page's catalog): the
    state, the sell-out and the audit's rows. The figures themselves are shared by every tab
    (console.py reads them once a period), their words said for each."""
    gettext_ = say.gettext
    after = figures["chart"]["sold_out_after"]
    sold_out = say.gettext("sold out after %(after)s") % {"after": after} if after else None
    audit = figures["audit"]
    return {
        **figures,
        "state_label": gettext_(figures["state_label"]),
        "sold_out": sold_out or say.gettext("not sold out"),
        "refusals": [{**r, "reason": gettext_(r["reason"])} for r in figures["refusals"]],
        "audit": {
            **audit,
            "rows": [
                [gettext_(label), gettext_(value) if isinstance(value, str) else value, ok]
                for label, value, ok in audit["rows"]
            ],
        },
    }
