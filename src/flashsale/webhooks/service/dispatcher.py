"""The fan-out: the order event feed, read from the webhooks' cursor page by page, each event
turned into one delivery per subscription that wants it.

A page's deliveries and the cursor's move past it are one transaction that only commits while
the cursor is where this dispatcher read it (``fan_out_webhook_deliveries``), so every event is
fanned out exactly once however many dispatchers run; on PostgreSQL one of the fleet leads
(an advisory lock) and the others stand by, so they do not read the feed for nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from flashsale.kernel.clock import Clock
from flashsale.kernel.ids import new_id
from flashsale.orders.service.events import MAX_PAGE, OrderEvents
from flashsale.platform.leadership import Leadership
from flashsale.webhooks.domain.delivery import Delivery, body_of, delivery_of
from flashsale.webhooks.ports import WebhookRepository

ROLE = "webhook-dispatcher"

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class FannedOut:
    events: int = 0
    deliveries: int = 0


class Dispatcher:
    def __init__(
        self,
        events: OrderEvents,
        repository: WebhookRepository,
        clock: Clock,
        leadership: Leadership,
        *,
        page: int = MAX_PAGE,
    ) -> None:
        self._events = events
        self._repository = repository
        self._clock = clock
        self._leadership = leadership
        self._page = page

    async def dispatch(
        self, most: int | None = None, keep_going: Callable[[], bool] = lambda: True
    ) -> FannedOut:
        """Fan out every event the feed holds past the cursor (or the next ``most``, or until
        ``keep_going`` says stop: asked before each page after the first); nothing where
        another process leads, or moved the cursor first (it fanned those out)."""
        if not await self._leadership.leads(ROLE):
            return FannedOut()
        cursor = await self._repository.webhook_cursor()
        events = deliveries = 0
        while True:
            size = self._page if most is None else min(self._page, most - events)
            page = await self._events.read(str(cursor), size)
            if not page.events:
                return FannedOut(events, deliveries)
            # Read after the page: a subscription made before one of its events is in the list.
            subscriptions = [s for s in await self._repository.webhooks() if s.active]
            now = self._clock.now()
            made: list[Delivery] = []
            for event in page.events:
                wanting = [s for s in subscriptions if s.wants(event)]
                if not wanting:
                    continue
                body = body_of(event)
                made += [delivery_of(new_id("dlv"), s.id, event, body, now) for s in wanting]
            moved = await self._repository.fan_out_webhook_deliveries(
                made, cursor, page.next_cursor
            )
            if not moved:
                log.info("another dispatcher fanned out the events after %s", cursor)
                return FannedOut(events, deliveries)
            events += len(page.events)
            deliveries += len(made)
            cursor = page.next_cursor
            if len(page.events) < size or (most is not None and events >= most):
                return FannedOut(events, deliveries)
            if not keep_going():
                return FannedOut(events, deliveries)
