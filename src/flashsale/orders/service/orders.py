"""A customer's orders: seeing them, paying them (once, by a way their market offers),
cancelling them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from flashsale.catalog.market import PaymentMethod, PaymentMethods
from flashsale.kernel.batching import Batcher
from flashsale.kernel.clock import Clock
from flashsale.kernel.errors import NotFound
from flashsale.kernel.ids import new_id
from flashsale.orders.domain.events import customer_actor
from flashsale.orders.domain.order import Order, OrderStatus, Payment
from flashsale.orders.domain.payment_methods import PaymentChoice
from flashsale.orders.domain.search import OrderCursor, OrderPage, OrderQuery
from flashsale.orders.errors import OrderExpired, OrderNotPayable
from flashsale.orders.ports import (
    OrderRepository,
    PaymentGateway,
    SaleMarkets,
    UnitReturns,
    UpiGateway,
)
from flashsale.orders.service.paying import Payer
from flashsale.orders.service.refunds import Refunds
from flashsale.orders.service.stock_release import close_giving_back


class Orders:
    def __init__(
        self,
        store: OrderRepository,
        gate: UnitReturns,
        clock: Clock,
        gateway: PaymentGateway,
        refunds: Refunds | None = None,
        *,
        upi: UpiGateway | None = None,
        markets: SaleMarkets | None = None,
    ) -> None:
        self._store = store
        self._refunds = refunds
        self._gate = gate
        self._clock = clock
        self._payer = Payer(gateway, upi, markets)
        # Payments are group-committed like purchases: one transaction (one fsync) records a
        # whole batch, so the winners of a sale can pay within their window (one write per
        # payment paid ~150/s under a sale's refusal flood, and reservations expired unpaid).
        self._payments: Batcher[Payment, bool] = Batcher(self._record_payments)
        # Reads coalesce too: the order a payer pays, the order a fan reloads, one query a batch.
        self._reads: Batcher[str, Order | None] = Batcher(self._read_orders)

    async def get(self, customer_id: str, order_id: str) -> Order:
        """Another customer's order is reported missing, so ids cannot be probed."""
        order = await self._reads.submit(order_id)
        if order is None or order.customer_id != customer_id:
            raise NotFound(f"no order {order_id}")
        return order

    async def of_customer(self, customer_id: str) -> list[Order]:
        return await self._store.orders_of_customer(customer_id)

    async def customers_with_orders(self, customer_ids: Sequence[str]) -> set[str]:
        """Which of these customers ever ordered: one read for a batch of them."""
        return await self._store.customers_with_orders(customer_ids)

    # Without get's check of whose order it is: for the operator, or once get has checked.
    async def find(self, order_id: str) -> Order | None:
        return await self._store.order(order_id)

    async def of_sale(
        self, sale_id: str, status: OrderStatus | None = None, limit: int = 1000
    ) -> list[Order]:
        return await self._store.orders_of_sale(sale_id, status, limit)

    async def search(self, query: OrderQuery) -> OrderPage:
        """One page of the orders matching ``query``, and where the next one starts."""
        found = await self._store.search_orders(replace(query, limit=query.limit + 1))
        more = len(found) > query.limit
        page = found[: query.limit]
        return OrderPage(page, OrderCursor.after(page[-1]) if more else None)

    async def payment_of(self, order_id: str) -> Payment | None:
        return await self._store.payment_of(order_id)

    async def payment_options(
        self, customer_id: str, order_id: str
    ) -> tuple[Order, PaymentMethods, tuple[PaymentMethod, ...]]:
        """The order, its market's ways to pay, and those that can pay it."""
        order = await self.get(customer_id, order_id)
        methods, usable = await self._payer.options(order)
        return order, methods, usable

    async def pay(self, customer_id: str, order_id: str, how: PaymentChoice | str) -> Order:
        """Pay by the way chosen (a bare string: a card number). Cash on delivery charges
        nothing: the order is paid as far as the sale and fulfilment go (it ships), its payment
        ``due`` until the carrier delivers it."""
        choice = how if isinstance(how, PaymentChoice) else PaymentChoice.by_card(how)
        order = await self.get(customer_id, order_id)
        if order.status is OrderStatus.PAID:
            return order  # paying twice charges once
        order.check_payable(self._clock.now())
        reference, status = await self._payer.take(order, choice)
        paid_at = self._clock.now()
        payment = Payment(
            id=new_id("pay"),
            order_id=order.id,
            amount=order.amount,
            status=status,
            gateway_reference=reference,
            created_at=paid_at,
            method=choice.method,
        )
        if await self._payments.submit(payment):
            return order.paid(paid_at)
        current = await self.get(customer_id, order_id)
        if current.status is OrderStatus.PAID:
            return current  # a concurrent payment of the same order won; one charge in all
        # The window closed while the payment was being taken: give the money back.
        refunded = await self._payer.give_back(reference, status)
        said = "the charge was refunded" if refunded else "nothing was charged"
        if current.status is OrderStatus.RESERVED or current.status is OrderStatus.EXPIRED:
            raise OrderExpired(f"order {order_id} expired while paying; {said}")
        raise OrderNotPayable(f"order {order_id} is {current.status}; {said}")

    async def _record_payments(self, payments: Sequence[Payment]) -> list[bool]:
        stored = await self._store.mark_paid(payments)
        return [payment.id in stored for payment in payments]

    async def _read_orders(self, order_ids: Sequence[str]) -> list[Order | None]:
        found = await self._store.orders_by_id(order_ids)
        return [found.get(order_id) for order_id in order_ids]

    async def drain(self) -> None:
        """Wait for payments already handed to the store (before shutting it)."""
        await self._payments.wait_idle()

    async def cancel(self, customer_id: str, order_id: str) -> Order:
        """A reserved order closes and its units go back; a paid one is also refunded whole
        (nothing has been shipped: fulfilment will narrow this to "not yet picked")."""
        order = await self.get(customer_id, order_id)
        return await self._cancel(order, customer_actor(customer_id))

    async def cancel_for(self, order_id: str, actor: str) -> Order:
        """The operator's cancel (``actor`` as the record names them), as the customer's."""
        order = await self.find(order_id)
        if order is None:
            raise NotFound(f"no order {order_id}")
        return await self._cancel(order, actor)

    async def _cancel(self, order: Order, actor: str) -> Order:
        order_id, customer_id = order.id, order.customer_id
        if order.status is OrderStatus.PAID and self._refunds is not None:
            return await self._refunds.cancel_paid(order, actor)
        order.check_cancellable()
        closed = await close_giving_back(
            self._store,
            self._gate,
            [order.id],
            [order.sale_id],
            OrderStatus.CANCELLED,
            self._clock.now(),
            # The record names the customer by default; only someone else is said.
            None if actor == customer_actor(customer_id) else actor,
        )
        if not closed:
            current = await self.get(customer_id, order_id)
            if current.status is OrderStatus.PAID and self._refunds is not None:
                # Paid while this cancel was on its way: cancelled all the same, and refunded.
                return await self._refunds.cancel_paid(current, actor)
            current.check_cancellable()  # it moved meanwhile: say to what
            raise OrderNotPayable(f"order {order_id} changed meanwhile; try again")
        return closed[0]
