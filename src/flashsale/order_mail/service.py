"""Customers' mail from the order event feed: ``order.reserved`` becomes an order confirmation,
``order.refunded`` a refund notice.

A step reads a page of the feed after the stored cursor (name ``order-mail``), writes the page's
mails to the outbox in one ``Notifier.send`` batch, and only then moves the cursor past the page,
by compare-and-set on the cursor it read. **At least once**: a process that dies between the send
and the move (or whose record fails the move) sends that page again when it reads it next, so a
customer may get a mail twice, never none. Should two processes ever read the same page (a leader
losing its lock mid-page), the compare-and-set moves the cursor once and sends the other back to
read it; the page's mails may then go out twice, as above.

**Where it starts.** The first start on a record that has no cursor yet stores the cursor of the
feed's end (the shop's past is not mailed: a shop that gains order mail does not write to every
customer who ever bought); every later start resumes from the stored cursor. The walk to the end
reads the whole feed once, a page at a time.

A customer, market or SKU that no longer exists, and a message the outbox refuses (an address
that is no address), costs its own mail with a warning, never the feed: the page is sent
without it. Lookups are batched: a page reads each of its customers once, the catalogue's
products at most once (its variants are kept, by SKU, for the pages after), and a market once,
ever.

One process of the fleet mails (``Leadership``, a PostgreSQL advisory lock; on the embedded
default the one server leads).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from flashsale.catalog.market import Market
from flashsale.customers.model import Customer
from flashsale.kernel.clock import Clock
from flashsale.kernel.errors import Conflict, InvalidInput, NotFound
from flashsale.kernel.money import Money
from flashsale.notifications.domain.message import Message
from flashsale.notifications.ports import Notifier
from flashsale.order_mail.ports import CatalogReader, CustomerDirectory, FeedCursors
from flashsale.orders.domain.events import OrderEvent, OrderEventKind
from flashsale.orders.service.events import MAX_PAGE, OrderEvents
from flashsale.platform.leadership import Leadership

NAME = "order-mail"
DEFAULT_PAGE = 200
DEFAULT_POLL_SECONDS = 1.0
# Customer reads of one page in flight at once: enough to hide the round trips, few enough to
# leave the record's pool to the purchases.
CUSTOMER_READS = 8
MAILED = frozenset(
    {
        OrderEventKind.RESERVED,
        OrderEventKind.REFUNDED,
        OrderEventKind.SHIPPED,
        OrderEventKind.DELIVERED,
    }
)
TEMPLATE_OF = {
    OrderEventKind.RESERVED: "order_confirmation",
    OrderEventKind.REFUNDED: "refund_issued",
    OrderEventKind.SHIPPED: "order_shipped",
    OrderEventKind.DELIVERED: "order_delivered",
}

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Mailed:
    """One step: events read past the cursor, mails written, events skipped for want of a
    customer, market or product."""

    events: int = 0
    mails: int = 0
    skipped: int = 0


class OrderMail:
    def __init__(
        self,
        events: OrderEvents,
        cursors: FeedCursors,
        notifier: Notifier,
        customers: CustomerDirectory,
        catalog: CatalogReader,
        leadership: Leadership,
        clock: Clock,
        *,
        public_url: str,
        name: str = NAME,
        page: int = DEFAULT_PAGE,
        busy: Callable[[], bool] = lambda: False,
    ) -> None:
        if not 1 <= page <= MAX_PAGE:
            raise ValueError(f"a page is 1 to {MAX_PAGE} events")
        self.name = name
        # True while this process sells a flash sale: rendering a mail costs more than the
        # purchase that asked for it, so the mail waits for the burst to pass (late by its
        # length) rather than take the sale's capacity.
        self._busy = busy
        self._events = events
        self._cursors = cursors
        self._notifier = notifier
        self._customers = customers
        self._catalog = catalog
        self._leadership = leadership
        self._clock = clock
        self._public_url = public_url.rstrip("/")
        self._page = page
        self._cursor: str | None = None  # None: read the stored one before the next page
        # Markets and products hardly change and are never deleted under an order: kept for the
        # life of the process, so a page of a sale's thousand reservations reads neither.
        self._markets: dict[str, Market] = {}
        self._products: dict[str, str] = {}  # SKU -> "name (attributes)"

    @property
    def role(self) -> str:
        return f"order-mail:{self.name}"

    async def begin(self) -> str:
        """The stored cursor, or, on the first start, the feed's end stored as the first."""
        stored = await self._cursors.relay_cursor(self.name)
        if stored is not None:
            return stored
        end = await self._feed_end()
        if await self._cursors.move_relay_cursor(self.name, None, end, self._clock.now()):
            log.info("order mail starts at the feed's end, %s: past orders are not mailed", end)
            return end
        return await self.begin()  # another process began first: start where it did

    async def _feed_end(self) -> str:
        after: str | None = None
        while True:
            page = await self._events.read(after, MAX_PAGE)
            after = str(page.next_cursor)
            if not page.events:
                return after

    async def step(self) -> Mailed:
        """Mail the next page of the feed, then move the cursor past it."""
        if self._cursor is None:
            self._cursor = await self.begin()
        after = self._cursor
        page = await self._events.read(after, self._page)
        if not page.events:
            return Mailed()
        messages, skipped = await self._messages(page.events)
        sent = await self._send(messages)
        moved_to = str(page.next_cursor)
        if not await self._cursors.move_relay_cursor(self.name, after, moved_to, self._clock.now()):
            # Another process mailed this page too: read on from where it left the cursor.
            log.warning("another process moved the cursor of %s after %s", self.name, after)
            self._cursor = None
            return Mailed(len(page.events), sent, skipped)
        self._cursor = moved_to
        return Mailed(len(page.events), sent, skipped)

    async def _messages(self, events: Sequence[OrderEvent]) -> tuple[list[Message], int]:
        mailed = [event for event in events if event.kind in MAILED]
        if not mailed:
            return [], 0
        customers = await self._customers_of(mailed)
        await self._learn_markets({c.market_code for c in customers.values()})
        await self._learn_products({event.order.sku for event in mailed})
        messages: list[Message] = []
        skipped = 0
        for event in mailed:
            message = self._message(event, customers.get(event.order.customer_id))
            if message is None:
                skipped += 1
            else:
                messages.append(message)
        return messages, skipped

    async def _customers_of(self, events: Sequence[OrderEvent]) -> dict[str, Customer]:
        ids = sorted({event.order.customer_id for event in events})
        reads = asyncio.Semaphore(CUSTOMER_READS)

        async def read(customer_id: str) -> Customer | None:
            async with reads:
                return await self._customers.customer(customer_id)

        found = await asyncio.gather(*(read(customer_id) for customer_id in ids))
        return {c.id: c for c in found if c is not None}

    async def _learn_markets(self, codes: set[str]) -> None:
        for code in sorted(codes - self._markets.keys()):
            market = await self._catalog.find_market(code)
            if market is not None:
                self._markets[code] = market

    async def _learn_products(self, skus: set[str]) -> None:
        if skus <= self._products.keys():
            return
        # One read of the catalogue for every SKU not met yet: the catalogue has no lookup of a
        # product by SKU, and reading it whole also teaches the SKUs of the pages to come.
        for product in await self._catalog.products():
            for variant in product.variants:
                attributes = ", ".join(variant.attributes.values())
                self._products[variant.sku] = (
                    f"{product.name} ({attributes})" if attributes else product.name
                )

    def _message(self, event: OrderEvent, customer: Customer | None) -> Message | None:
        facts = event.order
        if customer is None:
            log.warning("%s: no customer %s, not mailed", event.id, facts.customer_id)
            return None
        market = self._markets.get(customer.market_code)
        product = self._products.get(facts.sku)
        if market is None or product is None:
            missing = f"market {customer.market_code}" if market is None else f"SKU {facts.sku}"
            log.warning("%s: no %s, not mailed", event.id, missing)
            return None
        try:
            data = self._data(event, product)
        except (InvalidInput, KeyError, ArithmeticError) as exc:  # a malformed event's data
            log.warning("%s: %r, not mailed", event.id, exc)
            return None
        return Message(customer.email, TEMPLATE_OF[event.kind], market.locale, data)

    def _data(self, event: OrderEvent, product: str) -> Mapping[str, object]:
        facts = event.order
        if event.kind is OrderEventKind.RESERVED:
            return {
                "order_id": event.order_id,
                "product": product,
                "quantity": facts.quantity,
                "amount": Money(Decimal(facts.amount), facts.currency),
                "pay_by": facts.expires_at,
                "order_url": self.order_url(event.order_id),
            }
        if event.kind is OrderEventKind.SHIPPED:
            return {
                "order_id": event.order_id,
                "product": product,
                "carrier": str(event.data["carrier"]),
                "tracking_number": str(event.data["tracking_number"]),
                "shipped_at": event.at,
                "order_url": self.order_url(event.order_id),
            }
        if event.kind is OrderEventKind.DELIVERED:
            return {
                "order_id": event.order_id,
                "product": product,
                "delivered_at": event.at,
                "order_url": self.order_url(event.order_id),
            }
        return {
            "order_id": event.order_id,
            "product": product,
            "amount": Money(Decimal(str(event.data["amount"])), str(event.data["currency"])),
            "refunded_at": event.at,
        }

    async def resend_confirmation(self, order_id: str) -> Message:
        """The order's confirmation again, as the feed first mailed it (the operator's "resend"
        when a customer says it never came); the message written to the outbox."""
        history = await self._events.history(order_id)
        reserved = [e for e in history if e.kind is OrderEventKind.RESERVED][:1]
        if not reserved:
            raise NotFound(f"order {order_id} has no reservation in the order event feed")
        messages, _ = await self._messages(reserved)
        if not messages:
            raise Conflict(f"order {order_id}'s customer, market or product is gone: not mailed")
        await self._notifier.send(messages)
        return messages[0]

    def order_url(self, order_id: str) -> str:
        return f"{self._public_url}/orders/{order_id}"

    async def _send(self, messages: list[Message]) -> int:
        """The page's mails in one batch. Should the outbox refuse it (one bad address refuses
        all), each is sent alone and those refused are dropped with a warning: one customer's
        bad data must not hold back everyone's mail."""
        if not messages:
            return 0
        try:
            await self._notifier.send(messages)
            return len(messages)
        except InvalidInput:
            log.warning("the outbox refused a page of %d mails: sending one by one", len(messages))
        sent = 0
        for message in messages:
            try:
                await self._notifier.send([message])
                sent += 1
            except InvalidInput as exc:
                log.warning("%s to %s refused, not mailed: %s", message.template, message.to, exc)
        return sent

    async def run_forever(self, poll_seconds: float = DEFAULT_POLL_SECONDS) -> None:
        """Mail while this process leads; a failed page is read again from the stored cursor."""
        while True:
            try:
                if not await self._leadership.leads(self.role):
                    self._cursor = None  # the leader moves it meanwhile
                    await asyncio.sleep(poll_seconds)
                    continue
                if self._busy():
                    await asyncio.sleep(poll_seconds)
                    continue
                done = await self.step()
            except Exception:  # the page waits in the feed, intact; it is read again
                log.exception("order mail failed")
                self._cursor = None
                await asyncio.sleep(poll_seconds)
                continue
            if done.events < self._page:
                await asyncio.sleep(poll_seconds)
            else:
                await asyncio.sleep(0)  # more waits: read on, letting the purchases run between
