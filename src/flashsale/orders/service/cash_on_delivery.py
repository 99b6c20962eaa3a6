"""Cash on delivery after checkout: collected when the parcel arrives, given up when it is
refused at the door or comes back undelivered.

Collection follows the order event feed's ``order.delivered`` (written by fulfilment): the
collector keeps its own cursor and moves each delivered order's payment from ``due`` to
``succeeded``, guarded by the status, so a delivery read twice (a crash between the
collection and the cursor, or two collectors) collects once. It reads every event once, as
the other readers of the feed do, rather than asking for deliveries only: a feed without a
delivery since the cursor would be scanned to its end at every poll. Nothing runs on the
purchase path or in the payment's commit. Inside ``flashsale serve`` it yields to a flash sale
(``busy``), as order mail does: reading every reservation as it is made would take the
sale's own capacity (the reader's thread and the event loop), and collection is only late by
the burst's length.

A refused parcel cancels its order without a refund (no money was taken): the payment
becomes ``uncollected``, the sale's count of live units drops, and ``order.cancelled`` tells
the back office, as a cancel of a paid order does.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Protocol

from flashsale.kernel.clock import Clock
from flashsale.kernel.errors import NotFound
from flashsale.kernel.ids import new_id
from flashsale.orders.domain.events import EventCursor, OrderEventKind
from flashsale.orders.domain.order import Order
from flashsale.orders.domain.refunds import Refund, RefundStatus
from flashsale.orders.errors import CashNotDue, OrderNotPaid
from flashsale.orders.ports import (
    CashCollection,
    OrderEventFeed,
    OrderRepository,
    RefundRepository,
    UnitReturns,
)
from flashsale.orders.service.stock_release import generations_of, give_back_closed

log = logging.getLogger(__name__)

BATCH = 10_000
REFUSED_REASON = "cash on delivery refused or returned undelivered"


class CashRecord(CashCollection, OrderRepository, RefundRepository, OrderEventFeed, Protocol):
    pass


class CashOnDelivery:
    def __init__(
        self,
        store: CashRecord,
        gate: UnitReturns,
        clock: Clock,
        *,
        busy: Callable[[], bool] = lambda: False,
    ) -> None:
        self._store = store
        self._gate = gate
        self._clock = clock
        self._busy = busy  # True while this process sells a flash sale: collection waits

    async def collect_delivered(self, limit: int = BATCH) -> int:
        """Record the cash of every delivered order collected, up to the feed's end; how many
        payments this collected. It stops between pages once this process sells a flash sale
        (a collector far behind would otherwise read the feed to its end meanwhile)."""
        collected = 0
        while not self._busy():
            text = await self._store.cash_cursor()
            page = await self._store.read_order_events(EventCursor.parse(text), limit)
            if not page.events:
                return collected
            now = self._clock.now()
            delivered = [e.order_id for e in page.events if e.kind is OrderEventKind.DELIVERED]
            if delivered:  # a page of none is no write: only the cursor moves
                collected += len(await self._store.collect_cash(delivered, now))
            if not await self._store.move_cash_cursor(text, str(page.next_cursor), now):
                return collected  # another collector moved on: it carries on from there
            if len(page.events) < limit:
                return collected
        return collected

    async def refused(self, order_id: str, actor: str) -> Order:
        """The parcel was refused at the door or came back undelivered: the order is
        cancelled, nothing refunded, its cash given up. Refused (CashNotDue) when the order owes
        no cash (paid otherwise, or its cash collected already)."""
        order = await self._store.order(order_id)
        if order is None:
            raise NotFound(f"no order {order_id}")
        payment = await self._store.payment_of(order_id)
        if payment is None or not payment.cash_due:
            said = (
                "no payment" if payment is None else f"a {payment.method} payment {payment.status}"
            )
            raise CashNotDue(f"order {order_id} owes no cash on delivery ({said})")
        generations = await generations_of(self._gate, [order.sale_id])
        now = self._clock.now()
        # Required by the store's cancel; it keeps none, since none of the payment was taken.
        nothing = Refund(
            id=new_id("ref"),
            order_id=order_id,
            amount=order.amount,
            reason=REFUSED_REASON,
            status=RefundStatus.PENDING,
            requested_by=actor,
            idempotency_key=f"cancel:{order_id}",
            created_at=now,
        )
        moved = await self._store.cancel_paid_order(order_id, now, actor, nothing)
        if moved is None:
            raise OrderNotPaid(f"order {order_id} is no longer paid; nothing was cancelled")
        cancelled, refund = moved
        assert refund is None, "cash never collected is never refunded"
        await give_back_closed(self._gate, [cancelled], generations)
        return cancelled

    async def run_forever(self, poll_seconds: float) -> None:
        """The background step: cash collected as deliveries reach the feed."""
        while True:
            try:
                if not self._busy():
                    await self.collect_delivered()
            except Exception:  # the cursor stays put: the next round reads the same deliveries
                log.exception("collecting cash on delivery failed; trying again")
            await asyncio.sleep(poll_seconds)
