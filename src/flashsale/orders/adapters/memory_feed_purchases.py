"""The purchases in the order event feed, in memory (ports.PurchasesInFeed), read from the
memory order repository's list of events, whose index is the seq less one."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flashsale.kernel.purchase_sampler import FeedGrowth
from flashsale.orders.domain.events import OrderEventKind


class MemoryPurchasesInFeed:
    # The memory order repository's feed: (seq, order id, kind, at, actor, data).
    _events: list[tuple[int, str, OrderEventKind, datetime, str, dict[str, Any]]]

    async def feed_head(self) -> int:
        return len(self._events)

    async def purchases_after(self, seq: int, limit: int) -> FeedGrowth:
        newest = self._events[seq : seq + limit]
        if not newest:
            return FeedGrowth(seq, 0)
        reserved = sum(1 for event in newest if event[2] is OrderEventKind.RESERVED)
        return FeedGrowth(newest[-1][0], reserved)
