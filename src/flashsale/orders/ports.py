"""What the orders domain needs from the outside world: its repository, the payment gateway,
and somewhere to give the units of closed orders back to (the sales' stock gate, structurally).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol, runtime_checkable

from flashsale.catalog.market import Market
from flashsale.kernel.money import Money
from flashsale.kernel.purchase_sampler import FeedGrowth
from flashsale.kernel.units import HeldUnits
from flashsale.orders.domain.delivery import Delivery
from flashsale.orders.domain.events import EventCursor, EventPage, OrderEvent, OrderEventKind
from flashsale.orders.domain.order import Order, OrderStatus, Payment
from flashsale.orders.domain.placement import Placement
from flashsale.orders.domain.refunds import Refund
from flashsale.orders.domain.search import OrderQuery
from flashsale.orders.domain.shipping import ShippingAddress


class CommitOutcomeUnknown(Exception):
    """The connection broke after a write was sent: it may or may not have been committed.

    Only a read of the record says which; until then nothing the write took (units in the
    gate) may be given back, or a unit could be sold twice.
    """


class OrderRepository(Protocol):
    """Orders, their payments and addresses in the record.

    Raises ``Conflict`` on a duplicate key, returns None when absent.
    """

    async def insert_orders(self, orders: Sequence[Order]) -> Placement:
        """Store a batch in one transaction, as the record's last word on stock and limits.

        With the rows of the batch's sales locked, live orders that would take a sale past its
        stock or a customer past its limit are refused (``Placement.sold_out``/``over_limit``,
        see ``domain.placement``) and the rest stored, the sale's counter of live units moving
        with them. An order whose (customer_id, idempotency_key) already exists is skipped,
        not an error, so that a replayed batch is harmless. Any other failure stores nothing
        and raises, except CommitOutcomeUnknown: the batch was sent and the answer lost (all or
        nothing). An order of a sale the record does not hold is a Conflict.
        """
        ...

    async def order(self, order_id: str) -> Order | None: ...

    async def orders_by_id(self, order_ids: Sequence[str]) -> dict[str, Order]:
        """The orders of these ids that exist, by id."""
        ...

    async def orders_by_idempotency_keys(
        self, keys: Sequence[tuple[str, str]]
    ) -> dict[tuple[str, str], Order]:
        """The orders stored under these (customer_id, idempotency_key) pairs, in one read."""
        ...

    async def orders_of_customer(self, customer_id: str) -> list[Order]: ...

    async def customers_with_orders(self, customer_ids: Sequence[str]) -> set[str]:
        """Which of these customers have at least one order, in one read."""
        ...

    async def orders_of_sale(
        self, sale_id: str, status: OrderStatus | None = None, limit: int = 1000
    ) -> list[Order]: ...

    async def search_orders(self, query: OrderQuery) -> list[Order]:
        """Up to ``query.limit`` orders matching it, newest first by (created_at, id), after
        its cursor: one keyset page (``domain.search``)."""
        ...

    async def mark_paid(self, payments: Sequence[Payment]) -> set[str]:
        """reserved -> paid, with its payment, for a batch of payments in one transaction.

        Returns the ids of the payments stored. A payment stores nothing when its order is not
        reserved (an earlier payment of the batch may have paid it), or the order's
        ``expires_at`` is not after ``payment.created_at``.
        """
        ...

    async def payment_of(self, order_id: str) -> Payment | None: ...

    async def close_orders(
        self,
        order_ids: Sequence[str],
        to: OrderStatus,
        at: datetime,
        actor: str | None = None,
    ) -> list[Order]:
        """reserved -> expired/cancelled; returns the orders that made the move (exactly once).

        Their sales' counters of live units drop by their units in the same transaction.
        ``actor`` is who closed them, for the feed: by default the system for expiry, the
        customer for a cancel.
        """
        ...

    async def due_for_expiry(self, now: datetime, limit: int) -> list[tuple[str, str]]:
        """(order id, sale id) of reserved orders whose payment window has passed, the
        earliest due first."""
        ...

    async def set_shipping_address(
        self, order_id: str, address: ShippingAddress, at: datetime
    ) -> bool:
        """Give a reserved order its shipping address, replacing one given before.

        Returns False (and stores nothing) when the order is missing or no longer reserved:
        the address of a paid order is the one the parcel goes to.
        """
        ...

    async def shipping_address(self, order_id: str) -> ShippingAddress | None: ...

    def keep_order_events(self, on: bool) -> None:
        """Off only to measure what the event feed costs (benchmarks/purchase_path.py)."""
        ...


class OrderDeliveries(Protocol):
    """How an order reaches its customer (click & collect): ship or pick up at a store."""

    async def set_delivery(self, order_id: str, delivery: Delivery, at: datetime) -> bool:
        """Give a reserved order its delivery choice, replacing one given before, with its
        ``order.delivery_set`` event in the same transaction. False (nothing written) when
        the order is missing or no longer reserved: the allocator reads the choice when it
        meets ``order.paid``, so it may not change after."""
        ...

    async def delivery_of(self, order_id: str) -> Delivery | None:
        """None: none chosen (shipped)."""
        ...


class OrderEventFeed(Protocol):
    """The order event feed (domain/events.py), appended by every write of OrderRepository
    in that write's transaction: order.reserved by ``insert_orders``, order.paid by
    ``mark_paid``, order.expired and order.cancelled by ``close_orders``, order.address_set by
    ``set_shipping_address``.
    """

    async def read_order_events(
        self, after: EventCursor, limit: int, kinds: frozenset[OrderEventKind] | None = None
    ) -> EventPage:
        """Up to ``limit`` events after the cursor, of the kinds given (all by default), in
        feed order. Nothing is skipped and nothing read twice by a reader that goes on from
        each page's ``next_cursor``, however its writers' transactions interleave."""
        ...

    async def events_of_order(self, order_id: str) -> list[OrderEvent]:
        """One order's history, oldest first: every committed event of it (its changes take
        turns on its row, so their order is their sequence)."""
        ...


class PurchasesInFeed(Protocol):
    """The purchases the feed holds, counted by a process that sells nothing (``flashsale
    worker``) to know a sale is selling: ``order.reserved`` is one event a purchase, written
    in the purchase's commit. Both reads are bounded, whatever the feed's length."""

    async def feed_head(self) -> int:
        """The newest event's seq; 0 while the feed is empty."""
        ...

    async def purchases_after(self, seq: int, limit: int) -> FeedGrowth:
        """Of the first ``limit`` events after ``seq`` (feed order by seq): the last one's seq
        (``seq`` when there is none) and how many of them are ``order.reserved``."""
        ...


class RefundRepository(Protocol):
    """Refunds (domain/refunds.py), each written with the order's row locked so that two
    refunds of one order never both fit into what is left of its payment."""

    async def add_refund(self, refund: Refund) -> Refund:
        """Store a refund asked for, unless one with its (order, idempotency key) is stored:
        then that one is returned and nothing is written. Raises ``OrderNotPaid`` when the
        order has no payment, ``RefundExceedsPayment`` when it does not fit, ``NotFound``
        when there is no such order."""
        ...

    async def refund(self, refund_id: str) -> Refund | None: ...

    async def refunds_of(self, order_id: str) -> list[Refund]:
        """Oldest first."""
        ...

    async def approve_refund(self, refund_id: str, approver: str, at: datetime) -> Refund | None:
        """awaiting_approval -> pending; None when it was not awaiting approval."""
        ...

    async def settle_refund(
        self, refund_id: str, succeeded: bool, at: datetime, gateway_reference: str | None
    ) -> Refund | None:
        """pending -> succeeded (appending ``order.refunded`` in the same transaction) or
        failed; None when it was not pending (settled already)."""
        ...

    async def cancel_paid_order(
        self, order_id: str, at: datetime, actor: str, refund: Refund
    ) -> tuple[Order, Refund | None] | None:
        """paid -> cancelled, in one transaction: the sale's count of live units drops, the
        ``order.cancelled`` event is appended, and ``refund`` (its amount replaced by what no
        other refund holds of the payment; none if that is nothing) is stored pending. None
        when the order was not paid (another cancel, say, moved it first)."""
        ...


class UnitReturns(Protocol):
    """Where the units of closed orders go back to be sold again (the stock gate of sales).

    Every load of a sale's gate starts a new generation; units go back under the generation
    read before their orders closed, and a give-back of another generation changes nothing.
    """

    async def generations(self, sale_ids: Sequence[str]) -> list[int | None]:
        """Each sale's current generation; None where nothing is held for the sale."""
        ...

    async def give_back(self, returns: Sequence[tuple[HeldUnits, int]]) -> None:
        """Return units, each with the generation they were read under."""
        ...


class FulfilmentHolds(Protocol):
    """Whether a paid order's units are still only promised (fulfilment, structurally): a
    cancel is refused once they are being picked."""

    async def check_cancellable(self, order_id: str) -> None:
        """Raises ``OrderInFulfilment`` when picking has started."""
        ...


@runtime_checkable
class UpiGateway(Protocol):
    """UPI collect payments, where the gateway offers them (in India)."""

    async def charge_upi(self, *, idempotency_key: str, amount: Money, vpa: str) -> str:
        """Collect once per idempotency key from the payer's UPI address; the reference, which
        ``PaymentGateway.refund`` takes as a card charge's. Raises PaymentDeclined (the payer
        refused, or the address pays nothing) or PaymentGatewayUnavailable."""
        ...


class SaleMarkets(Protocol):
    """The market an order's sale sells in (sales, structurally): it says how to pay."""

    async def market_of_sale(self, sale_id: str) -> Market:
        """Raises NotFound when there is no such sale."""
        ...


class CashCollection(Protocol):
    """Cash on delivery (domain/order.py's ``due`` payments), collected as parcels arrive."""

    async def collect_cash(self, order_ids: Sequence[str], at: datetime) -> list[str]:
        """due -> succeeded for the cash-on-delivery payments of these orders still due; the
        ids of the orders whose cash this recorded (each once, however often asked)."""
        ...

    async def cash_cursor(self) -> str | None:
        """Where the collector is in the order event feed; None before it first ran."""
        ...

    async def move_cash_cursor(self, expected: str | None, cursor: str, at: datetime) -> bool:
        """Set the cursor if it still is ``expected``; False (nothing written) otherwise."""
        ...


class PaymentGateway(Protocol):
    async def charge(self, *, idempotency_key: str, amount: Money, card: str) -> str:
        """Charge once per idempotency key and return the gateway's reference.

        Raises PaymentDeclined, InsufficientFunds or PaymentGatewayUnavailable.
        """
        ...

    async def refund(
        self, reference: str, *, amount: Money | None = None, idempotency_key: str | None = None
    ) -> str:
        """Give back ``amount`` of the charge (all of what is left by default); one refund per
        ``idempotency_key``, however often it is asked. Returns the refund's reference."""
        ...
