"""Products' pictures: the operator uploads, removes and orders them; pages show them.

The file goes to the media store first and its row to the record second: a row never points
at a missing file. A failed row leaves the file behind, removed at once (best effort); a
removed picture's row goes first and its file after, for the same reason.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import defaultdict
from collections.abc import Sequence

from flashsale.catalog.image_files import inspect_image
from flashsale.catalog.image_model import (
    MAX_IMAGE_BYTES,
    MAX_IMAGES_PER_PRODUCT,
    ProductImage,
    check_alt,
)
from flashsale.catalog.ports import ProductImageRepository
from flashsale.catalog.service import Catalog
from flashsale.kernel.errors import InvalidInput, NotFound
from flashsale.kernel.ids import new_id
from flashsale.platform.media.port import MediaObject, MediaStore


class ProductImages:
    def __init__(
        self,
        store: ProductImageRepository,
        catalog: Catalog,
        media: MediaStore,
        max_bytes: int = MAX_IMAGE_BYTES,
    ) -> None:
        self._store = store
        self._catalog = catalog
        self._media = media
        self.max_bytes = min(max_bytes, MAX_IMAGE_BYTES)

    async def add(
        self, product_id: str, data: bytes, alt: str = "", sku: str | None = None
    ) -> ProductImage:
        """Add a picture after the product's others; InvalidInput for a file that is not a
        whole PNG, JPEG or WebP within the bounds (``image_files``), NotFound for no product."""
        product = await self._catalog.product(product_id)
        if sku is not None and sku not in {v.sku for v in product.variants}:
            raise InvalidInput(f"sku: {product.name} has no variant {sku!r}")
        text = check_alt(alt)
        if len(await self._store.images([product_id])) >= MAX_IMAGES_PER_PRODUCT:
            raise _full(product.name)  # told before the file is read and stored
        facts = await asyncio.to_thread(inspect_image, data, self.max_bytes)
        image_id = new_id("img")
        key = f"products/{product_id}/{image_id}.{facts.kind.extension}"
        await self._media.put(key, data, facts.kind.content_type)
        image = ProductImage(
            id=image_id,
            product_id=product_id,
            sku=sku,
            media_key=key,
            content_type=facts.kind.content_type,
            alt=text,
            width=facts.width,
            height=facts.height,
            size=len(data),
        )
        try:
            stored = await self._store.add_image(image, MAX_IMAGES_PER_PRODUCT)
        except BaseException:
            with contextlib.suppress(Exception):
                await self._media.delete(key)
            raise
        if stored is None:  # others took the last places meanwhile
            await self._media.delete(key)
            raise _full(product.name)
        return stored

    async def remove(self, product_id: str, image_id: str) -> ProductImage:
        removed = await self._store.remove_image(product_id, image_id)
        if removed is None:
            raise NotFound(f"product {product_id} has no picture {image_id}")
        await self._media.delete(removed.media_key)
        return removed

    async def reorder(self, product_id: str, image_ids: Sequence[str]) -> list[ProductImage]:
        """Show the pictures in this order: every one of the product's, each once."""
        await self._catalog.product(product_id)
        if len(set(image_ids)) != len(image_ids):
            raise InvalidInput("order: a picture is named twice")
        if not await self._store.reorder_images(product_id, image_ids):
            current = [i.id for i in await self._store.images([product_id])]
            raise InvalidInput(
                f"order: name each of the product's {len(current)} pictures once"
                f" ({', '.join(current) or 'it has none'})"
            )
        return await self._store.images([product_id])

    async def of_product(self, product_id: str) -> list[ProductImage]:
        return await self._store.images([product_id])

    async def of_products(self, product_ids: Sequence[str]) -> dict[str, list[ProductImage]]:
        """Each product's pictures in order; a product without any is absent."""
        found: dict[str, list[ProductImage]] = defaultdict(list)
        for image in await self._store.images(product_ids):
            found[image.product_id].append(image)
        return dict(found)

    def url(self, image: ProductImage) -> str:
        return self._media.url(image.media_key)

    async def file(self, key: str) -> MediaObject | None:
        """A stored file by its key (the tail of its URL); None when there is none."""
        return await self._media.get(key)


def _full(name: str) -> InvalidInput:
    return InvalidInput(
        f"{name} has {MAX_IMAGES_PER_PRODUCT} pictures, the most a product may have: remove one"
        " first"
    )
