"""Reporting's unit fixtures: a feed of hand-made events, sales and markets to look up, and the
memory repository with the payments the record would know."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from flashsale.catalog.market import Market
from flashsale.kernel.money import Money
from flashsale.orders.domain.events import (
    EventCursor,
    EventPage,
    OrderEvent,
    OrderEventKind,
    OrderFacts,
)
from flashsale.orders.service.events import OrderEvents
from flashsale.platform.local_leadership import LocalLeadership
from flashsale.reporting.adapters.memory_repository import MemoryReportingRepository
from flashsale.reporting.domain.facts import SaleInfo
from flashsale.reporting.service.projector import Projector
from flashsale.sales.domain.sale import FlashSale

CHINA = Market("CN", "China", "CNY", "zh_Hans_CN", "Asia/Shanghai")
INDIA = Market("IN", "India", "INR", "en_IN", "Asia/Kolkata")
OPENS = datetime(2015, 4, 8, 2, 0, tzinfo=UTC)  # 10:00 in Beijing, the Mi Fan Festival


def flash_sale(sale_id: str, market: str, sku: str, price: str, stock: int = 100) -> FlashSale:
    currency = {"CN": "CNY", "IN": "INR"}[market]
    return FlashSale(
        id=sale_id,
        sku=sku,
        market_code=market,
        price=Money(Decimal(price), currency),
        stock_total=stock,
        per_customer_limit=5,
        registration_opens_at=OPENS - timedelta(days=2),
        registration_closes_at=OPENS - timedelta(hours=1),
        opens_at=OPENS,
        closes_at=OPENS + timedelta(hours=12),
    )


SALES = [
    flash_sale("sale_cn", "CN", "MI4-16G", "1499.00", stock=3),
    flash_sale("sale_in", "IN", "MIBAND", "999.00", stock=10),
]


def info(sale: FlashSale, rehearsal: bool = False) -> SaleInfo:
    zone = {"CN": CHINA, "IN": INDIA}[sale.market_code].timezone
    return SaleInfo(
        sale.id, sale.market_code, zone, rehearsal, sale.opens_at, sale.stock_total, sale.sku
    )


@dataclass
class Feed:
    """The order event feed as a list: each event's cursor is its place in it."""

    events: list[OrderEvent] = field(default_factory=list)

    def add(
        self,
        kind: OrderEventKind,
        order_id: str,
        at: datetime,
        *,
        sale: FlashSale = SALES[0],
        quantity: int = 1,
        data: Mapping[str, Any] | None = None,
    ) -> OrderEvent:
        facts = OrderFacts(
            sale.id,
            "cus_1",
            sale.sku,
            quantity,
            str(sale.price.amount * quantity),
            sale.price.currency,
            at + timedelta(minutes=15),
        )
        event = OrderEvent(
            len(self.events) + 1, order_id, kind, at, "system", facts, dict(data or {})
        )
        self.events.append(event)
        return event

    async def read_order_events(
        self, after: EventCursor, limit: int, kinds: frozenset[OrderEventKind] | None = None
    ) -> EventPage:
        found = [e for e in self.events[after.seq :] if kinds is None or e.kind in kinds][:limit]
        return EventPage(found, found[-1].cursor if found else after)

    async def events_of_order(self, order_id: str) -> list[OrderEvent]:
        return [e for e in self.events if e.order_id == order_id]


class Sales:
    def __init__(self, sales: Sequence[FlashSale] = SALES) -> None:
        self.sales = list(sales)
        self.reads = 0

    async def all(self) -> list[FlashSale]:
        self.reads += 1
        return list(self.sales)


class Markets:
    async def markets(self) -> list[Market]:
        return [CHINA, INDIA]


class Repository(MemoryReportingRepository):
    """The memory repository, with the orders the record holds a payment of."""

    def __init__(self) -> None:
        super().__init__()
        self._payments: dict[str, object] = {}

    def paid(self, *order_ids: str) -> None:
        for order_id in order_ids:
            self._payments[order_id] = True


def projector(
    feed: Feed, repository: Repository, *, batch: int = 1000, page: int = 1000, shadow: bool = False
) -> Projector:
    return Projector(
        OrderEvents(feed),
        repository,
        Sales(),
        Markets(),
        LocalLeadership(),
        batch=batch,
        page=page,
        shadow=shadow,
    )
