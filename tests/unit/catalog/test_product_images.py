"""Products' pictures as the operator handles them: added after the others with their real
type and size, for the product or one of its variants, removed, reordered; the file and the
record's row never disagree."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from flashsale.catalog.image_model import MAX_IMAGES_PER_PRODUCT, ProductImage, image_for
from flashsale.catalog.images import ProductImages
from flashsale.catalog.market import Market
from flashsale.catalog.model import Product
from flashsale.catalog.service import Catalog, VariantSpec
from flashsale.kernel.errors import Conflict, InvalidInput, NotFound
from flashsale.platform.media.memory import MemoryMediaStore
from flashsale.record.memory_store import MemoryStore
from tests.unit.catalog.images_fixtures import SVG, image_bytes

INDIA = Market("IN", "India", "INR", "en_IN")


async def _shop() -> tuple[Catalog, ProductImages, MemoryMediaStore, Product, MemoryStore]:
    store = MemoryStore()
    catalog = Catalog(store)
    await catalog.add_markets([INDIA])
    product = await catalog.add_product(
        "Mi 6",
        [
            VariantSpec("MI6-BLK", {"colour": "black"}, {"IN": "29999"}),
            VariantSpec("MI6-BLU", {"colour": "blue"}, {"IN": "31999"}),
        ],
    )
    media = MemoryMediaStore()
    return catalog, ProductImages(store, catalog, media), media, product, store


async def test_a_picture_is_stored_with_its_real_type_and_size_and_served_at_its_url() -> None:
    _, images, media, product, _ = await _shop()
    added = await images.add(product.id, image_bytes("JPEG", 64, 48), "  Mi 6\tin black  ")
    assert (added.content_type, added.width, added.height) == ("image/jpeg", 64, 48)
    assert added.alt == "Mi 6 in black"
    assert added.media_key == f"products/{product.id}/{added.id}.jpg"
    assert images.url(added) == f"/media/{added.media_key}"
    stored = await media.get(added.media_key)
    assert stored is not None and stored.content_type == "image/jpeg"
    assert await images.file(added.media_key) == stored
    assert await images.of_product(product.id) == [added]


async def test_refusals_store_nothing() -> None:
    _, images, media, product, _ = await _shop()
    with pytest.raises(InvalidInput, match="SVG"):
        await images.add(product.id, SVG)
    with pytest.raises(InvalidInput, match="no variant 'MI6-RED'"):
        await images.add(product.id, image_bytes(), sku="MI6-RED")
    with pytest.raises(InvalidInput, match="alt: at most 300"):
        await images.add(product.id, image_bytes(), "x" * 301)
    with pytest.raises(InvalidInput, match="control character"):
        await images.add(product.id, image_bytes(), "Mi\x00 6")
    with pytest.raises(NotFound):
        await images.add("prod_none", image_bytes())
    assert await images.of_product(product.id) == []
    assert media._files == {}


async def test_a_product_has_at_most_its_share_of_pictures() -> None:
    _, images, _, product, _ = await _shop()
    for _ in range(MAX_IMAGES_PER_PRODUCT):
        await images.add(product.id, image_bytes())
    with pytest.raises(InvalidInput, match="remove one first"):
        await images.add(product.id, image_bytes())


async def test_pictures_are_reordered_and_removed_and_their_files_go_with_them() -> None:
    _, images, media, product, _ = await _shop()
    first, second, third = [await images.add(product.id, image_bytes()) for _ in range(3)]
    assert [i.position for i in await images.of_product(product.id)] == [0, 1, 2]
    ordered = await images.reorder(product.id, [third.id, first.id, second.id])
    assert [(i.id, i.position) for i in ordered] == [(third.id, 0), (first.id, 1), (second.id, 2)]
    for wrong in ([third.id, first.id], [third.id, first.id, first.id], [third.id, first.id, "x"]):
        with pytest.raises(InvalidInput, match="order"):
            await images.reorder(product.id, wrong)
    removed = await images.remove(product.id, first.id)
    assert removed.id == first.id and await media.get(first.media_key) is None
    left = await images.of_product(product.id)
    assert [(i.id, i.position) for i in left] == [(third.id, 0), (second.id, 1)]
    with pytest.raises(NotFound):
        await images.remove(product.id, first.id)


async def test_a_row_that_cannot_be_stored_leaves_no_file_behind() -> None:
    catalog, _, media, product, _ = await _shop()

    class Refusing(MemoryStore):
        async def add_image(self, image: ProductImage, most: int) -> ProductImage | None:
            raise Conflict("the product went away meanwhile")

        async def images(self, product_ids: Sequence[str]) -> list[ProductImage]:
            return []

    images = ProductImages(Refusing(), catalog, media)
    with pytest.raises(Conflict):
        await images.add(product.id, image_bytes())
    assert media._files == {}


async def test_the_last_place_taken_meanwhile_refuses_the_upload_and_drops_its_file() -> None:
    catalog, _, media, product, _ = await _shop()

    class Full(MemoryStore):  # another upload took the last place after the first look
        async def add_image(self, image: ProductImage, most: int) -> ProductImage | None:
            return None

    with pytest.raises(InvalidInput, match="remove one first"):
        await ProductImages(Full(), catalog, media).add(product.id, image_bytes())
    assert media._files == {}


def test_a_variant_shows_its_own_picture_else_the_products() -> None:
    def image(image_id: str, sku: str | None, position: int) -> ProductImage:
        return ProductImage(
            image_id, "prod_1", sku, f"k/{image_id}.png", "image/png", "", 1, 1, 1, position
        )

    blue, shared, black = image("b", "MI6-BLU", 0), image("s", None, 1), image("k", "MI6-BLK", 2)
    images = [blue, shared, black]
    assert image_for(images, "MI6-BLK") == black
    assert image_for(images, "MI6-RED") == shared
    assert image_for(images, None) == shared
    assert image_for([blue, black], None) == blue
    assert image_for([], "MI6-BLK") is None
