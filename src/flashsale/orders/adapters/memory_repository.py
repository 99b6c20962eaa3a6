"""``OrderRepository`` in a Python process (``record/memory_store.py`` composes it)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from flashsale.kernel.errors import Conflict, NotFound
from flashsale.orders.adapters.memory_cash import MemoryCashCollection
from flashsale.orders.adapters.memory_deliveries import MemoryOrderDeliveries
from flashsale.orders.domain.events import (
    EventCursor,
    EventPage,
    OrderEvent,
    OrderEventKind,
    OrderFacts,
    address_data,
    closing_actor,
    customer_actor,
    paid_data,
    refunded_data,
)
from flashsale.orders.domain.order import Order, OrderStatus, Payment, PaymentStatus
from flashsale.orders.domain.placement import Placement, SaleUnits, place
from flashsale.orders.domain.refunds import Refund, RefundStatus, check_fits, refundable
from flashsale.orders.domain.search import OrderQuery
from flashsale.orders.domain.shipping import ShippingAddress
from flashsale.orders.errors import OrderNotPaid


class MemoryOrderRepository(MemoryOrderDeliveries, MemoryCashCollection):
    """Orders, payments, addresses and each sale's counter of live units.

    A sale's stock and limit are the sales' side of the record: the composed store's sale
    repository answers ``_sale_terms`` (orders know nothing of sales). On its own this
    repository holds no sale, so every order is a Conflict, as in a record without the sale.
    """

    def __init__(self) -> None:
        super().__init__()
        self._orders: dict[str, Order] = {}
        # Live units per sale, and per (sale, customer): what a batch is checked against.
        self._units_held: dict[str, int] = defaultdict(int)
        self._customer_held: dict[tuple[str, str], int] = defaultdict(int)
        self._order_by_key: dict[tuple[str, str], str] = {}
        self._payments: dict[str, Payment] = {}
        self._addresses: dict[str, ShippingAddress] = {}
        # The feed: (seq, order id, kind, at, actor, data); one writer, so seq is commit order.
        self._events: list[tuple[int, str, OrderEventKind, datetime, str, dict[str, Any]]] = []
        self._order_events = True
        self._refunds: dict[str, Refund] = {}
        self._refund_by_key: dict[tuple[str, str], str] = {}
        self.fail_next_inserts = 0  # tests set this to make the next commits fail

    def keep_order_events(self, on: bool) -> None:
        self._order_events = on

    def _event(
        self,
        order_id: str,
        kind: OrderEventKind,
        at: datetime,
        actor: str,
        data: dict[str, Any] | None = None,
    ) -> None:
        if self._order_events:
            self._events.append((len(self._events) + 1, order_id, kind, at, actor, data or {}))

    async def read_order_events(
        self, after: EventCursor, limit: int, kinds: frozenset[OrderEventKind] | None = None
    ) -> EventPage:
        found = []
        for seq, order_id, kind, at, actor, data in self._events[after.seq :]:
            if kinds is not None and kind not in kinds:
                continue
            facts = OrderFacts.of(self._orders[order_id])
            found.append(OrderEvent(seq, order_id, kind, at, actor, facts, data))
            if len(found) == limit:
                break
        return EventPage(found, found[-1].cursor if found else after)

    async def events_of_order(self, order_id: str) -> list[OrderEvent]:
        order = self._orders.get(order_id)
        if order is None:
            return []
        facts = OrderFacts.of(order)
        return [
            OrderEvent(seq, oid, kind, at, actor, facts, data)
            for seq, oid, kind, at, actor, data in self._events
            if oid == order_id
        ]

    def _sale_terms(self, sale_id: str) -> tuple[int, int] | None:
        """The stock and per-customer limit of a sale the record holds; None for any other."""
        return None

    async def insert_orders(self, orders: Sequence[Order]) -> Placement:
        if self.fail_next_inserts:
            self.fail_next_inserts -= 1
            raise ConnectionError("injected commit failure")
        # Checked before anything is written: the batch is one transaction, all or nothing.
        seen: set[str] = set()
        terms: dict[str, tuple[int, int]] = {}
        for order in orders:
            if order.id in self._orders or order.id in seen:
                raise Conflict(f"order {order.id} exists already")
            sale_terms = self._sale_terms(order.sale_id)
            if sale_terms is None:
                raise Conflict(f"sale {order.sale_id} does not exist")
            terms[order.sale_id] = sale_terms
            seen.add(order.id)
        decided = place(
            orders,
            {
                sale_id: SaleUnits(stock, limit, self._units_held[sale_id])
                for sale_id, (stock, limit) in terms.items()
            },
            self._customer_held,
            {key for key in self._keys_of(orders) if key in self._order_by_key},
        )
        for order in decided.to_store:
            if order.idempotency_key is not None:
                self._order_by_key[(order.customer_id, order.idempotency_key)] = order.id
            self._orders[order.id] = order
            self._count(order, +1)
            kind = OrderEventKind.of_status(order.status)
            self._event(order.id, kind, order.created_at, customer_actor(order.customer_id))
        return decided.placement

    @staticmethod
    def _keys_of(orders: Sequence[Order]) -> list[tuple[str, str]]:
        return [(o.customer_id, o.idempotency_key) for o in orders if o.idempotency_key]

    def _count(self, order: Order, sign: int) -> None:
        if order.holds_stock:
            self._units_held[order.sale_id] += sign * order.quantity
            self._customer_held[(order.sale_id, order.customer_id)] += sign * order.quantity

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

    async def customers_with_orders(self, customer_ids: Sequence[str]) -> set[str]:
        wanted = set(customer_ids)
        return {o.customer_id for o in self._orders.values() if o.customer_id in wanted}

    async def orders_of_sale(
        self, sale_id: str, status: OrderStatus | None = None, limit: int = 1000
    ) -> list[Order]:
        found = [
            o
            for o in self._orders.values()
            if o.sale_id == sale_id and (status is None or o.status is status)
        ]
        return sorted(found, key=lambda o: (o.created_at, o.id))[:limit]

    async def search_orders(self, query: OrderQuery) -> list[Order]:
        found = [o for o in self._orders.values() if query.matches(o)]
        return sorted(found, key=lambda o: (o.created_at, o.id), reverse=True)[: query.limit]

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
            self._event(
                order.id,
                OrderEventKind.PAID,
                payment.created_at,
                customer_actor(order.customer_id),
                paid_data(payment),
            )
        return stored

    async def payment_of(self, order_id: str) -> Payment | None:
        return self._payments.get(order_id)

    async def close_orders(
        self,
        order_ids: Sequence[str],
        to: OrderStatus,
        at: datetime,
        actor: str | None = None,
    ) -> list[Order]:
        closed = []
        for order_id in dict.fromkeys(order_ids):
            order = self._orders.get(order_id)
            if order is None or order.status is not OrderStatus.RESERVED:
                continue
            self._orders[order_id] = replace(order, status=to, closed_at=at)
            self._count(order, -1)
            closed.append(self._orders[order_id])
            kind = OrderEventKind.of_status(to)
            self._event(order_id, kind, at, closing_actor(order, to, actor))
        return closed

    async def due_for_expiry(self, now: datetime, limit: int) -> list[tuple[str, str]]:
        due = [
            o
            for o in self._orders.values()
            if o.status is OrderStatus.RESERVED and o.expires_at <= now
        ]
        return [(o.id, o.sale_id) for o in sorted(due, key=lambda o: (o.expires_at, o.id))[:limit]]

    async def set_shipping_address(
        self, order_id: str, address: ShippingAddress, at: datetime
    ) -> bool:
        order = self._orders.get(order_id)
        if order is None or order.status is not OrderStatus.RESERVED:
            return False
        self._addresses[order_id] = address
        self._event(
            order_id,
            OrderEventKind.ADDRESS_SET,
            at,
            customer_actor(order.customer_id),
            address_data(address),
        )
        return True

    async def shipping_address(self, order_id: str) -> ShippingAddress | None:
        return self._addresses.get(order_id)

    # -- refunds -------------------------------------------------------------------------

    async def add_refund(self, refund: Refund) -> Refund:
        known = self._refund_by_key.get((refund.order_id, refund.idempotency_key))
        if known is not None:
            return self._refunds[known]
        if refund.order_id not in self._orders:
            raise NotFound(f"no order {refund.order_id}")
        payment = self._payments.get(refund.order_id)
        if payment is None:
            raise OrderNotPaid(f"order {refund.order_id} has no payment to refund")
        check_fits(refund.amount, payment.taken, await self.refunds_of(refund.order_id))
        self._store_refund(refund)
        return refund

    def _store_refund(self, refund: Refund) -> None:
        self._refunds[refund.id] = refund
        self._refund_by_key[(refund.order_id, refund.idempotency_key)] = refund.id

    async def refund(self, refund_id: str) -> Refund | None:
        return self._refunds.get(refund_id)

    async def refunds_of(self, order_id: str) -> list[Refund]:
        return [r for r in self._refunds.values() if r.order_id == order_id]

    async def approve_refund(self, refund_id: str, approver: str, at: datetime) -> Refund | None:
        refund = self._refunds.get(refund_id)
        if refund is None or refund.status is not RefundStatus.AWAITING_APPROVAL:
            return None
        approved = replace(refund, status=RefundStatus.PENDING, approved_by=approver)
        self._refunds[refund_id] = approved
        return approved

    async def settle_refund(
        self, refund_id: str, succeeded: bool, at: datetime, gateway_reference: str | None
    ) -> Refund | None:
        refund = self._refunds.get(refund_id)
        if refund is None or refund.status is not RefundStatus.PENDING:
            return None
        status = RefundStatus.SUCCEEDED if succeeded else RefundStatus.FAILED
        settled = replace(refund, status=status, decided_at=at, gateway_reference=gateway_reference)
        self._refunds[refund_id] = settled
        if succeeded:
            self._event(
                refund.order_id,
                OrderEventKind.REFUNDED,
                at,
                refund.requested_by,
                refunded_data(settled),
            )
        return settled

    async def cancel_paid_order(
        self, order_id: str, at: datetime, actor: str, refund: Refund
    ) -> tuple[Order, Refund | None] | None:
        order = self._orders.get(order_id)
        payment = self._payments.get(order_id)
        if order is None or order.status is not OrderStatus.PAID or payment is None:
            return None
        cancelled = replace(order, status=OrderStatus.CANCELLED, closed_at=at)
        self._orders[order_id] = cancelled
        self._count(order, -1)
        self._event(order_id, OrderEventKind.CANCELLED, at, actor)
        if payment.cash_due:  # never delivered: the cash is not to be collected, nor refunded
            payment = replace(payment, status=PaymentStatus.UNCOLLECTED)
            self._payments[order_id] = payment
        left = refundable(payment.taken, await self.refunds_of(order_id))
        if left.amount <= 0:
            return cancelled, None
        stored = replace(refund, amount=left)
        self._store_refund(stored)
        return cancelled, stored
