"""What the catalogue needs from the outside world."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from flashsale.catalog.market import Market
from flashsale.catalog.model import Product, Variant


class CatalogRepository(Protocol):
    """Markets, products and their variants in the record.

    Raises ``Conflict`` on a duplicate key, returns None when absent.
    """

    async def add_markets(self, markets: Sequence[Market]) -> None: ...

    async def markets(self) -> list[Market]: ...

    async def market(self, code: str) -> Market | None: ...

    async def add_product(self, product: Product) -> None: ...

    async def products(self) -> list[Product]: ...

    async def save_product(self, product: Product) -> bool:
        """Store a product's new name, its variants' attributes and prices, and its new
        variants (appended), in one transaction; False when there is no such product. Variants
        are never removed: sales and orders refer to their SKUs. A new SKU another product has
        is a Conflict, and nothing is stored."""
        ...

    async def variant(self, sku: str) -> Variant | None: ...
