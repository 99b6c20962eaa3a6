"""``CatalogRepository`` in a Python process (``record/memory_store.py`` composes it)."""

from __future__ import annotations

from collections.abc import Sequence

from flashsale.catalog.adapters.memory_images import MemoryProductImageRepository
from flashsale.catalog.image_model import ProductImage
from flashsale.catalog.market import Market
from flashsale.catalog.model import Product, Variant
from flashsale.kernel.errors import Conflict


class MemoryCatalogRepository(MemoryProductImageRepository):
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

    async def add_image(self, image: ProductImage, most: int) -> ProductImage | None:
        # As the SQL record's foreign keys: a picture of a product, or of one of its variants.
        product = self._products.get(image.product_id)
        skus = {v.sku for v in product.variants} if product is not None else set()
        if product is None or (image.sku is not None and image.sku not in skus):
            raise Conflict(f"product {image.product_id} or its variant {image.sku} is gone")
        return await super().add_image(image, most)

    async def products(self) -> list[Product]:
        return sorted(self._products.values(), key=lambda p: p.name)

    async def variant(self, sku: str) -> Variant | None:
        return self._variants.get(sku)
