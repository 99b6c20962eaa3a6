"""What the channels need: their repository (in the record beside the inventory and
fulfilment tables it moves) and the partners' APIs (``MarketplaceClient``)."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from flashsale.channels.domain.channel import Channel, ChannelPrice
from flashsale.channels.domain.order_line import OrderLine, StoredLine
from flashsale.channels.domain.planning import ChunkPlan, Key
from flashsale.channels.domain.pool import Pool, PoolTarget
from flashsale.channels.domain.reconciliation import DaySku
from flashsale.channels.domain.return_planning import ReturnKey, ReturnPlan
from flashsale.channels.domain.returns import ReportedReturn, StoredReturn
from flashsale.fulfilment.domain.order import FulfilmentStatus
from flashsale.inventory.domain.doors import DoorCount

# Decides a chunk inside its transaction: (lines, keys stored already, the channel's pools).
Planner = Callable[
    [Sequence[OrderLine], Collection[tuple[str, str]], Mapping[Key, Pool]], ChunkPlan
]
# Decides a chunk of returns inside its transaction: (returns, the returns of their orders
# stored already by (order, line, kind, ref), the channel's lines of their orders by order id,
# those lines' fulfilment orders' statuses by id).
ReturnPlanner = Callable[
    [
        Sequence[ReportedReturn],
        Mapping[ReturnKey, StoredReturn],
        Mapping[str, Sequence[StoredLine]],
        Mapping[str, FulfilmentStatus],
    ],
    ReturnPlan,
]


@dataclass(frozen=True, slots=True)
class ChunkWritten:
    imported: int
    duplicates: int
    rejected: list[tuple[int, str]]


class ChannelRepository(Protocol):
    """Channels, their prices and pools, and partners' order lines. Every write is one
    transaction; a pool and the level it commits units on move together, or neither."""

    async def channel_add(self, channel: Channel) -> None:
        """Raises ``Conflict`` when the code is taken."""
        ...

    async def channel_replace(self, channel: Channel) -> bool:
        """False (nothing stored) when there is no channel of that code."""
        ...

    async def channel(self, code: str) -> Channel | None: ...

    async def channels(self) -> list[Channel]:
        """By code."""
        ...

    async def channel_put_prices(self, prices: Sequence[ChannelPrice]) -> None:
        """Set these prices (a new one or a change); one transaction."""
        ...

    async def channel_remove_price(self, channel: str, sku: str) -> bool:
        """Unlist the SKU there; False when it was not listed."""
        ...

    async def channel_prices(self, channel: str) -> list[ChannelPrice]:
        """By SKU."""
        ...

    async def pool_put(self, channel: str, targets: Sequence[PoolTarget]) -> list[Pool]:
        """Set each pool's units, committing the difference at its DC's level in the same
        transaction. Raises ``PoolAboveFree`` when a DC has less free than a pool grows by,
        ``PoolBelowConsumed`` when a pool would shrink below what it has consumed; nothing is
        written then. Returns the channel's pools."""
        ...

    async def pools(self, channel: str) -> list[Pool]:
        """By (location, SKU)."""
        ...

    async def pool_all(self) -> list[Pool]:
        """Every channel's pools, by (channel, location, SKU): what the stock audit adds to
        the allotments' committed units."""
        ...

    async def door_counts(self, sku: str | None = None) -> list[DoorCount]:
        """Per SKU (this one, or every one) and door, units that left and came back
        (``domain/door_counting.py``): read from the ledger and the fulfilment orders."""
        ...

    async def channel_import_chunk(
        self, channel: str, lines: Sequence[OrderLine], planner: Planner
    ) -> ChunkWritten:
        """In one transaction: lock the channel's pools of the lines' SKUs (the planner is
        given those only), read which of ``lines`` are stored,
        let ``planner`` decide the rest, write its lines, pool consumption (guarded:
        ``units - consumed >= n``), levels (committed → allocated, guarded), its ledger moves
        and fulfilment orders."""
        ...

    async def channel_returns_chunk(
        self, channel: str, returns: Sequence[ReportedReturn], planner: ReturnPlanner
    ) -> ReturnPlan:
        """In one transaction: read which of ``returns`` are stored, the lines they name and
        those lines' fulfilment orders (locked), let ``planner`` decide, and write its returns,
        the fulfilment orders it cancels (guarded: still allocated), the levels (allocated →
        committed, guarded; on-hand for returns), the pools' consumption given back (guarded)
        and its ledger moves. Raises ``PoolChanged`` (nothing written) when a guard falls
        short."""
        ...

    async def channel_known_lines(
        self, channel: str, keys: Sequence[tuple[str, str]]
    ) -> set[tuple[str, str]]:
        """Which of these (order id, line id) the channel has stored: a read, a query per
        thousands of keys, before any write (a report imported again is found out here)."""
        ...

    async def channel_reconciliation(self, channel: str, start: date, end: date) -> list[DaySku]:
        """Per (day, SKU) between the two market-local days, inclusive: the lines by their
        purchase day, the applied cancellations and returns (``returned``) by theirs."""
        ...


class MarketplaceClient(Protocol):
    """The partners' own APIs (Amazon SP-API feeds, Flipkart's listings API), which this
    machine cannot reach: a real client drops in behind this port."""

    async def submit_feed(self, channel: str, kind: str, documents: list[Any]) -> list[str]:
        """Send the documents; the partner's feed or request ids, one per document."""
        ...
