"""Reading the order event feed: for integrators over HTTP, for the relay and the back office."""

from __future__ import annotations

from flashsale.kernel.errors import InvalidInput
from flashsale.orders.domain.events import EventCursor, EventPage, OrderEvent, parse_kinds
from flashsale.orders.ports import OrderEventFeed

MAX_PAGE = 1000


class OrderEvents:
    def __init__(self, feed: OrderEventFeed) -> None:
        self._feed = feed

    async def read(
        self, after: str | None, limit: int = 100, kinds: str | None = None
    ) -> EventPage:
        """A page after the cursor ``after`` (the feed's beginning if None), of the
        comma-separated ``kinds`` (all by default)."""
        if not 1 <= limit <= MAX_PAGE:
            raise InvalidInput(f"limit must be between 1 and {MAX_PAGE}")
        return await self._feed.read_order_events(
            EventCursor.parse(after), limit, parse_kinds(kinds)
        )

    async def history(self, order_id: str) -> list[OrderEvent]:
        """What happened to one order, oldest first (its pages show it)."""
        return await self._feed.events_of_order(order_id)
