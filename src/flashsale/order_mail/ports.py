"""What order mail needs from the other domains and from the record.

Declared here rather than imported: order mail reads customers and the catalogue through their
services, and keeps its place in the feed in the record's named cursors, which the relay
declared first; importing the relay's port would tie two readers of the feed together for one
Protocol.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from flashsale.catalog.market import Market
from flashsale.catalog.model import Product
from flashsale.customers.model import Customer


class FeedCursors(Protocol):
    """Named places in the order event feed (every Store keeps them: the relay's cursors), the
    cursor after the last event handled (``EventCursor`` as text)."""

    async def relay_cursor(self, name: str) -> str | None:
        """None for a name that never stored one."""
        ...

    async def move_relay_cursor(
        self, name: str, expected: str | None, cursor: str, at: datetime
    ) -> bool:
        """Store ``cursor`` if the name's cursor is still ``expected`` (None: it has none yet);
        False, storing nothing, when another process moved it first."""
        ...


class CustomerDirectory(Protocol):
    """``Accounts``: who a customer is (their address and market)."""

    async def customer(self, customer_id: str) -> Customer | None: ...


class CatalogReader(Protocol):
    """``Catalog``: the market a customer shops in (its locale), the product a SKU belongs to."""

    async def find_market(self, code: str) -> Market | None: ...

    async def products(self, market_code: str | None = None) -> list[Product]: ...
