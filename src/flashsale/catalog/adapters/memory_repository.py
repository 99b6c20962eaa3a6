"""``CatalogRepository`` in a Python process (``record/memory_store.py`` composes it)."""

from __future__ import annotations

from collections.abc import Sequence

from flashsale.catalog.market import Market
from flashsale.catalog.model import Product, Variant
from flashsale.kernel.errors import Conflict


class MemoryCatalogRepository:
    def __init__(self) -> None:
        super().__init__()
        self._markets: dict[str, Market] = {}
        self._products: dict[str, Product] = {}
        self._variants: dict[str, Variant] = {}

    async def add_markets(self, markets: Sequence[Market]) -> None:
        for market in markets:
            self._markets[market.code] = market

    async def markets(self) -> list[Market]:
        return sorted(self._markets.values(), key=lambda m: m.code)

    async def market(self, code: str) -> Market | None:
        return self._markets.get(code)

    async def add_product(self, product: Product) -> None:
        taken = [v.sku for v in product.variants if v.sku in self._variants]
        if taken or product.id in self._products:
            raise Conflict(f"SKU {', '.join(taken) or product.id} exists already")
        self._products[product.id] = product
        for variant in product.variants:
            self._variants[variant.sku] = variant

    async def save_product(self, product: Product) -> bool:
        if product.id not in self._products:
            return False
        taken = [
            v.sku
            for v in product.variants
            if v.sku in self._variants and self._variants[v.sku].product_id != product.id
        ]
        if taken:
            raise Conflict(f"SKU {', '.join(taken)} exists already")
        self._products[product.id] = product
        for variant in product.variants:
            self._variants[variant.sku] = variant
        return True

    async def products(self) -> list[Product]:
        return sorted(self._products.values(), key=lambda p: p.name)

    async def variant(self, sku: str) -> Variant | None:
        return self._variants.get(sku)
