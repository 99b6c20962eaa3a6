"""The record kept in a Python process: for unit tests and the hypothesis model, and the
reference the SQL stores are checked against by the contract suite."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from flashsale.catalog.market import Market
from flashsale.catalog.model import Product, Variant
from flashsale.customers.model import Customer
from flashsale.kernel.errors import Conflict, InvalidInput
from flashsale.orders.domain.order import LIVE_STATUSES, Order, OrderStatus, Payment
from flashsale.orders.domain.placement import Placement, SaleUnits, place
from flashsale.orders.domain.shipping import ShippingAddress
from flashsale.sales.domain.audit import UnitsByStatus
from flashsale.sales.domain.sale import FlashSale
from flashsale.sales.ports import AuditFacts
from flashsale.waiting_room.domain.room import RoomConfig


class MemoryStore:
    def __init__(self) -> None:
        self._markets: dict[str, Market] = {}
        self._products: dict[str, Product] = {}
        self._variants: dict[str, Variant] = {}
        self._customers: dict[str, Customer] = {}
        self._customer_by_email: dict[str, str] = {}
        self._sales: dict[str, FlashSale] = {}
        self._registrations: dict[str, dict[str, datetime]] = defaultdict(dict)
        self._orders: dict[str, Order] = {}
        # Live units per sale, and per (sale, customer): what a batch is checked against.
        self._units_held: dict[str, int] = defaultdict(int)
        self._customer_held: dict[tuple[str, str], int] = defaultdict(int)
        self._drift_healed: dict[str, int] = defaultdict(int)
        self._order_by_key: dict[tuple[str, str], str] = {}
        self._payments: dict[str, Payment] = {}
        self._addresses: dict[str, ShippingAddress] = {}
        self.fail_next_inserts = 0  # tests set this to make the next commits fail
        self._rooms: dict[str, RoomConfig] = {}
        self._queue_positions: dict[str, list[str]] = {}

    async def add_markets(self, markets: Sequence[Market]) -> None:
        for market in markets:
            self._markets[market.code] = market

    async def markets(self) -> list[Market]:
        return sorted(self._markets.values(), key=lambda m: m.code)

    async def market(self, code: str) -> Market | None:
        return self._markets.get(code)

    async def add_product(self, product: Product) -> None:
        taken = [v.sku for v in product.variants if v.sku in self._variants]
        if taken or product.id in self._products:
            raise Conflict(f"SKU {', '.join(taken) or product.id} exists already")
        self._products[product.id] = product
        for variant in product.variants:
            self._variants[variant.sku] = variant

    async def products(self) -> list[Product]:
        return sorted(self._products.values(), key=lambda p: p.name)

    async def variant(self, sku: str) -> Variant | None:
        return self._variants.get(sku)

    async def add_customers(self, customers: Sequence[Customer]) -> None:
        emails = [c.email for c in customers]
        if len(set(emails)) != len(emails) or any(e in self._customer_by_email for e in emails):
            raise Conflict("a customer with this email exists already")
        for customer in customers:
            self._customers[customer.id] = customer
            self._customer_by_email[customer.email] = customer.id

    async def customer(self, customer_id: str) -> Customer | None:
        return self._customers.get(customer_id)

    async def customer_by_email(self, email: str) -> Customer | None:
        customer_id = self._customer_by_email.get(email)
        return None if customer_id is None else self._customers[customer_id]

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

    async def insert_orders(self, orders: Sequence[Order]) -> Placement:
        if self.fail_next_inserts:
            self.fail_next_inserts -= 1
            raise ConnectionError("injected commit failure")
        # Checked before anything is written: the batch is one transaction, all or nothing.
        seen: set[str] = set()
        for order in orders:
            if order.id in self._orders or order.id in seen:
                raise Conflict(f"order {order.id} exists already")
            if order.sale_id not in self._sales:
                raise Conflict(f"sale {order.sale_id} does not exist")
            seen.add(order.id)
        decided = place(
            orders,
            {sale_id: self._sale_units(sale_id) for sale_id in {o.sale_id for o in orders}},
            self._customer_held,
            {key for key in self._keys_of(orders) if key in self._order_by_key},
        )
        for order in decided.to_store:
            if order.idempotency_key is not None:
                self._order_by_key[(order.customer_id, order.idempotency_key)] = order.id
            self._orders[order.id] = order
            self._count(order, +1)
        return decided.placement

    def _sale_units(self, sale_id: str) -> SaleUnits:
        sale = self._sales[sale_id]
        return SaleUnits(sale.stock_total, sale.per_customer_limit, self._units_held[sale_id])

    @staticmethod
    def _keys_of(orders: Sequence[Order]) -> list[tuple[str, str]]:
        return [(o.customer_id, o.idempotency_key) for o in orders if o.idempotency_key]

    def _count(self, order: Order, sign: int) -> None:
        if order.holds_stock:
            self._units_held[order.sale_id] += sign * order.quantity
            self._customer_held[(order.sale_id, order.customer_id)] += sign * order.quantity

    async def units_held(self, sale_ids: Sequence[str]) -> dict[str, int]:
        return {s: self._units_held[s] for s in sale_ids if s in self._sales}

    async def add_gate_drift_healed(self, sale_id: str, units: int) -> None:
        self._drift_healed[sale_id] += abs(units)

    async def order(self, order_id: str) -> Order | None:
        return self._orders.get(order_id)

    async def orders_by_id(self, order_ids: Sequence[str]) -> dict[str, Order]:
        return {i: self._orders[i] for i in order_ids if i in self._orders}

    async def orders_by_idempotency_keys(
        self, keys: Sequence[tuple[str, str]]
    ) -> dict[tuple[str, str], Order]:
        return {
            key: self._orders[self._order_by_key[key]] for key in keys if key in self._order_by_key
        }

    async def orders_of_customer(self, customer_id: str) -> list[Order]:
        mine = [o for o in self._orders.values() if o.customer_id == customer_id]
        return sorted(mine, key=lambda o: (o.created_at, o.id), reverse=True)

    async def orders_of_sale(
        self, sale_id: str, status: OrderStatus | None = None, limit: int = 1000
    ) -> list[Order]:
        found = [
            o
            for o in self._orders.values()
            if o.sale_id == sale_id and (status is None or o.status is status)
        ]
        return sorted(found, key=lambda o: (o.created_at, o.id))[:limit]

    async def held_by_customer(self, sale_id: str) -> dict[str, int]:
        held: dict[str, int] = defaultdict(int)
        for order in self._orders.values():
            if order.sale_id == sale_id and order.status in LIVE_STATUSES:
                held[order.customer_id] += order.quantity
        return dict(held)

    async def mark_paid(self, payments: Sequence[Payment]) -> set[str]:
        stored = set()
        for payment in payments:
            order = self._orders.get(payment.order_id)
            if (
                order is None
                or order.status is not OrderStatus.RESERVED
                or order.expires_at <= payment.created_at
                or order.id in self._payments
            ):
                continue
            self._orders[order.id] = replace(
                order, status=OrderStatus.PAID, paid_at=payment.created_at
            )
            self._payments[order.id] = payment
            stored.add(payment.id)
        return stored

    async def payment_of(self, order_id: str) -> Payment | None:
        return self._payments.get(order_id)

    async def close_orders(
        self, order_ids: Sequence[str], to: OrderStatus, at: datetime
    ) -> list[Order]:
        closed = []
        for order_id in dict.fromkeys(order_ids):
            order = self._orders.get(order_id)
            if order is None or order.status is not OrderStatus.RESERVED:
                continue
            self._orders[order_id] = replace(order, status=to, closed_at=at)
            self._count(order, -1)
            closed.append(self._orders[order_id])
        return closed

    async def due_for_expiry(self, now: datetime, limit: int) -> list[tuple[str, str]]:
        due = [
            o
            for o in self._orders.values()
            if o.status is OrderStatus.RESERVED and o.expires_at <= now
        ]
        return [(o.id, o.sale_id) for o in sorted(due, key=lambda o: (o.expires_at, o.id))[:limit]]

    async def set_shipping_address(self, order_id: str, address: ShippingAddress) -> bool:
        order = self._orders.get(order_id)
        if order is None or order.status is not OrderStatus.RESERVED:
            return False
        self._addresses[order_id] = address
        return True

    async def shipping_address(self, order_id: str) -> ShippingAddress | None:
        return self._addresses.get(order_id)

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
            if paid != (payment is not None) or (payment and payment.amount != order.amount):
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

    # waiting rooms

    async def put_room(self, room: RoomConfig) -> None:
        if room.sale_id not in self._sales:
            raise Conflict(f"no sale {room.sale_id}")
        known = self._rooms.get(room.sale_id)
        if known is not None:
            room = replace(known, settings=room.settings)
        self._rooms[room.sale_id] = room

    async def room(self, sale_id: str) -> RoomConfig | None:
        return self._rooms.get(sale_id)

    async def rooms(self) -> list[RoomConfig]:
        return sorted(self._rooms.values(), key=lambda r: r.sale_id)

    async def publish_queue(self, sale_id: str, customer_ids: Sequence[str], at: datetime) -> bool:
        room = self._rooms.get(sale_id)
        if room is None:
            raise InvalidInput(f"sale {sale_id} has no waiting room")
        if sale_id in self._queue_positions:
            return False
        if len(set(customer_ids)) != len(customer_ids):
            raise Conflict("a customer holds one position")
        self._queue_positions[sale_id] = list(customer_ids)
        self._rooms[sale_id] = replace(room, sealed_at=at)
        return True

    async def queue_positions(self, sale_id: str) -> list[tuple[str, int]]:
        order = self._queue_positions.get(sale_id, [])
        return [(customer, i) for i, customer in enumerate(order, start=1)]

    async def registered_among(self, sale_id: str, customer_ids: Sequence[str]) -> set[str]:
        registered = self._registrations.get(sale_id, {})
        return {c for c in customer_ids if c in registered}

    async def units_reserved(self, sale_id: str) -> int:
        return sum(
            o.quantity
            for o in self._orders.values()
            if o.sale_id == sale_id and o.status is OrderStatus.RESERVED
        )

    async def close(self) -> None:
        return None
