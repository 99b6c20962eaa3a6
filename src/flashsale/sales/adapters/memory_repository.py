"""``SaleRepository`` in a Python process (``record/memory_store.py`` composes it)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from flashsale.kernel.errors import Conflict
from flashsale.orders.domain.order import LIVE_STATUSES, Order, OrderStatus, Payment
from flashsale.sales.domain.audit import UnitsByStatus
from flashsale.sales.domain.sale import FlashSale
from flashsale.sales.ports import AuditFacts


class MemorySaleRepository:
    """Sales and their registrations; their units are counted from the orders' side of the
    record, which the composed store shares with this repository (``MemoryOrderRepository``),
    as the SQL repository reads the orders' tables."""

    # The orders' side of the record, kept by MemoryOrderRepository in the composed store.
    _orders: dict[str, Order]
    _payments: dict[str, Payment]
    _units_held: dict[str, int]

    def __init__(self) -> None:
        super().__init__()
        self._sales: dict[str, FlashSale] = {}
        self._registrations: dict[str, dict[str, datetime]] = defaultdict(dict)
        self._drift_healed: dict[str, int] = defaultdict(int)

    def _sale_terms(self, sale_id: str) -> tuple[int, int] | None:
        """What the order commit checks a batch against: the sale's stock and its limit."""
        sale = self._sales.get(sale_id)
        return None if sale is None else (sale.stock_total, sale.per_customer_limit)

    async def add_sale(self, sale: FlashSale) -> None:
        if sale.id in self._sales:
            raise Conflict(f"sale {sale.id} exists already")
        self._sales[sale.id] = sale

    async def sale(self, sale_id: str) -> FlashSale | None:
        return self._sales.get(sale_id)

    async def sales(self) -> list[FlashSale]:
        return sorted(self._sales.values(), key=lambda s: (s.opens_at, s.id))

    async def replace_sale(self, sale: FlashSale) -> bool:
        stored = self._sales.get(sale.id)
        if stored is None:
            return False
        self._sales[sale.id] = replace(sale, sku=stored.sku, market_code=stored.market_code)
        return True

    async def add_registrations(
        self, sale_id: str, customer_ids: Sequence[str], at: datetime
    ) -> int:
        registered = self._registrations[sale_id]
        new = [c for c in dict.fromkeys(customer_ids) if c not in registered]
        for customer_id in new:
            registered[customer_id] = at
        return len(new)

    async def is_registered(self, sale_id: str, customer_id: str) -> bool:
        return customer_id in self._registrations.get(sale_id, {})

    async def registered_customers(self, sale_id: str) -> list[str]:
        return list(self._registrations.get(sale_id, {}))

    async def count_registrations(self, sale_id: str) -> int:
        return len(self._registrations.get(sale_id, {}))

    async def units_held(self, sale_ids: Sequence[str]) -> dict[str, int]:
        return {s: self._units_held[s] for s in sale_ids if s in self._sales}

    async def add_gate_drift_healed(self, sale_id: str, units: int) -> None:
        self._drift_healed[sale_id] += abs(units)

    async def held_by_customer(self, sale_id: str) -> dict[str, int]:
        held: dict[str, int] = defaultdict(int)
        for order in self._orders.values():
            if order.sale_id == sale_id and order.status in LIVE_STATUSES:
                held[order.customer_id] += order.quantity
        return dict(held)

    async def audit_facts(self, sale: FlashSale) -> AuditFacts:
        units: dict[OrderStatus, int] = defaultdict(int)
        held: dict[str, int] = defaultdict(int)
        mismatched = 0
        for order in self._orders.values():
            if order.sale_id != sale.id:
                continue
            units[order.status] += order.quantity
            if order.status in LIVE_STATUSES:
                held[order.customer_id] += order.quantity
            payment = self._payments.get(order.id)
            paid = order.status is OrderStatus.PAID
            # A paid order cancelled later keeps its payment (its refund is a row of its own).
            may_have_paid = paid or order.status is OrderStatus.CANCELLED
            unpaid = paid and payment is None
            stray = payment is not None and (not may_have_paid or payment.amount != order.amount)
            if unpaid or stray:
                mismatched += 1
        return AuditFacts(
            units=UnitsByStatus(
                reserved=units[OrderStatus.RESERVED],
                paid=units[OrderStatus.PAID],
                expired=units[OrderStatus.EXPIRED],
                cancelled=units[OrderStatus.CANCELLED],
            ),
            customers_over_limit=sum(1 for v in held.values() if v > sale.per_customer_limit),
            orders_without_payment_match=mismatched,
            units_counted=self._units_held[sale.id],
            gate_drift_healed=self._drift_healed[sale.id],
        )

    async def units_reserved(self, sale_id: str) -> int:
        return sum(
            o.quantity
            for o in self._orders.values()
            if o.sale_id == sale_id and o.status is OrderStatus.RESERVED
        )
