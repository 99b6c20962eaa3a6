"""Where one shopper stands in one sale: what the sale page tells them and whether Buy can work.

The sale's own state (before the opening, open, sold out, closed) moves by itself, so the page
carries a block for each and switches between them as the live feed reports (site.js); the
shopper's standing (logged in, registered, units held) moves only by their own actions and is
drawn by the server.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from flashsale.catalog.market import Market
from flashsale.orders.domain.order import Order, OrderStatus
from flashsale.sales.domain.purchase import MAX_QUANTITY
from flashsale.sales.domain.sale import FlashSale, SaleState

# States in which the sale has not opened yet: the page counts down to the opening.
BEFORE_OPENING = frozenset({SaleState.SCHEDULED, SaleState.REGISTRATION, SaleState.WAITING})


@dataclass(frozen=True, slots=True)
class Standing:
    sale: FlashSale
    logged_in: bool = False
    registered: bool = False
    held: Sequence[Order] = field(default_factory=tuple)  # live orders: reserved or paid
    home: Market | None = None  # the shopper's own market, when the sale is in another one

    @property
    def reserved(self) -> list[Order]:
        return [o for o in self.held if o.status is OrderStatus.RESERVED]

    @property
    def paid(self) -> list[Order]:
        return [o for o in self.held if o.status is OrderStatus.PAID]

    @property
    def units_held(self) -> int:
        return sum(o.quantity for o in self.held)

    @property
    def at_limit(self) -> bool:
        return self.units_held >= self.sale.per_customer_limit

    @property
    def blocked(self) -> str | None:
        """Why Buy can only fail for this shopper whatever the sale does; None when it may work."""
        if not self.logged_in:
            return "anonymous"
        if not self.registered:
            return "unregistered"
        if self.at_limit:
            return "limit"
        return None

    @property
    def quantities(self) -> range:
        """The quantities Buy offers: up to what the limit still allows."""
        room = self.sale.per_customer_limit - self.units_held
        return range(1, max(1, min(room, MAX_QUANTITY)) + 1)

    @property
    def first_due(self) -> datetime | None:
        """When the first reservation held runs out: the page redraws then."""
        return min((o.expires_at for o in self.reserved), default=None)
