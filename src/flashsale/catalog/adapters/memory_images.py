"""``ProductImageRepository`` in a Python process (``MemoryCatalogRepository`` includes it)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from flashsale.catalog.image_model import ProductImage
from flashsale.kernel.errors import Conflict


class MemoryProductImageRepository:
    def __init__(self) -> None:
        super().__init__()
        self._images: dict[str, list[ProductImage]] = {}  # product id -> in order

    async def add_image(self, image: ProductImage, most: int) -> ProductImage | None:
        if any(i.media_key == image.media_key for each in self._images.values() for i in each):
            raise Conflict(f"media key {image.media_key} is another picture's")
        shown = self._images.setdefault(image.product_id, [])
        if len(shown) >= most:
            return None
        stored = replace(image, position=len(shown))
        shown.append(stored)
        return stored

    async def images(self, product_ids: Sequence[str]) -> list[ProductImage]:
        return [image for pid in sorted(set(product_ids)) for image in self._images.get(pid, [])]

    async def remove_image(self, product_id: str, image_id: str) -> ProductImage | None:
        shown = self._images.get(product_id, [])
        found = next((i for i in shown if i.id == image_id), None)
        if found is None:
            return None
        rest = [i for i in shown if i.id != image_id]
        self._images[product_id] = [replace(i, position=n) for n, i in enumerate(rest)]
        return found

    async def reorder_images(self, product_id: str, image_ids: Sequence[str]) -> bool:
        shown = {i.id: i for i in self._images.get(product_id, [])}
        if len(image_ids) != len(shown) or set(image_ids) != set(shown):
            return False
        self._images[product_id] = [
            replace(shown[image_id], position=n) for n, image_id in enumerate(image_ids)
        ]
        return True
