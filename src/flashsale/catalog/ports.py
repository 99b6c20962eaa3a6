"""What the catalogue needs from the outside world."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from flashsale.catalog.image_model import ProductImage
from flashsale.catalog.market import Market
from flashsale.catalog.model import Product, Variant


class ProductImageRepository(Protocol):
    """Products' pictures in the record (their files are in the media store)."""

    async def add_image(self, image: ProductImage, most: int) -> ProductImage | None:
        """Store the picture after the product's others and return it with its position; None,
        and nothing stored, when the product has ``most`` pictures already (decided in the
        transaction that adds it: two uploads at once cannot both take the last place)."""
        ...

    async def images(self, product_ids: Sequence[str]) -> list[ProductImage]:
        """The pictures of these products, by product and position."""
        ...

    async def remove_image(self, product_id: str, image_id: str) -> ProductImage | None:
        """Remove the picture; the one removed, or None when the product has no such one."""
        ...

    async def reorder_images(self, product_id: str, image_ids: Sequence[str]) -> bool:
        """Put the product's pictures in this order, in one transaction; False, and nothing
        changed, unless the ids are exactly the product's pictures."""
        ...


class CatalogRepository(ProductImageRepository, Protocol):
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
