"""Units a customer holds of a sale: what a purchase takes and a closed order gives back."""

from __future__ import annotations

from typing import Protocol


class HeldUnits(Protocol):
    """Read-only: a purchase request and an order both are such units."""

    @property
    def sale_id(self) -> str: ...
    @property
    def customer_id(self) -> str: ...
    @property
    def quantity(self) -> int: ...
