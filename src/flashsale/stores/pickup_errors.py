"""Click & collect's refusals (``http/problems.py`` maps them)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flashsale.kernel.errors import Conflict


class PickupUnavailable(Conflict):
    """The store cannot serve the whole order (no pickup, another market, too few free
    units): 409, naming the market's stores that can, in the problem's ``stores``."""

    code = "pickup-unavailable"

    def __init__(self, detail: str, stores: Sequence[str]) -> None:
        super().__init__(detail)
        self.stores = list(stores)

    @property
    def extra(self) -> dict[str, Any]:
        """The problem's extension members (RFC 9457 §3.2)."""
        return {"stores": self.stores}


class PickupNotAllocated(Conflict):
    """The order is to be picked up here, but no unit of the shelf is promised to it yet (the
    store ran short after the choice): 409 until stock comes and the allocator places it."""

    code = "pickup-not-allocated"
