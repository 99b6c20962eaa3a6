"""Products' pictures in the record: appended in order, read by product, removed with the
others closing up, reordered only as a whole; a picture of no product, or of another product's
variant, is refused. Memory, SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest

from flashsale.catalog.image_model import ProductImage
from flashsale.catalog.model import Product, Variant
from flashsale.kernel.errors import Conflict
from flashsale.record.store import Store
from tests.contract.record_world import INDIA, SPAIN, band

MOST = 20


def picture(product: Product, n: int, sku: str | None = None) -> ProductImage:
    return ProductImage(
        id=f"img_{n:032x}",
        product_id=product.id,
        sku=sku,
        media_key=f"products/{product.id}/img_{n:032x}.png",
        content_type="image/png",
        alt=f"Picture {n}",
        width=800,
        height=600,
        size=12_345,
    )


async def _add(store: Store, image: ProductImage, most: int) -> ProductImage:
    added = await store.add_image(image, most)
    assert added is not None
    return added


async def _band(store: Store) -> Product:
    await store.add_markets([INDIA, SPAIN])
    product = band()
    await store.add_product(product)
    return product


async def test_pictures_are_appended_in_order_and_read_by_product(store: Store) -> None:
    product = await _band(store)
    other = Product("prod_other", "Power bank", (Variant("PB-1", "prod_other", {}, {}),))
    await store.add_product(other)
    sku = product.variants[0].sku
    added = [
        await _add(store, picture(product, 1), MOST),
        await _add(store, picture(product, 2, sku), MOST),
        await _add(store, picture(other, 3), MOST),
        await _add(store, picture(product, 4), MOST),
    ]
    assert [i.position for i in added] == [0, 1, 0, 2]
    assert added[1] == replace(picture(product, 2, sku), position=1)
    assert await store.images([product.id]) == [added[0], added[1], added[3]]
    assert await store.images([other.id, product.id, other.id]) == sorted(
        added, key=lambda i: (i.product_id, i.position)
    )
    assert await store.images([]) == []
    assert await store.images(["prod_none"]) == []


async def test_a_picture_of_no_product_or_of_no_such_variant_is_refused(store: Store) -> None:
    product = await _band(store)
    with pytest.raises(Conflict):
        await _add(store, replace(picture(product, 1), product_id="prod_none"), MOST)
    with pytest.raises(Conflict):
        await _add(store, picture(product, 2, "NO-SUCH-SKU"), MOST)
    first = await _add(store, picture(product, 3), MOST)
    with pytest.raises(Conflict):  # a key names one file
        await _add(store, replace(picture(product, 4), media_key=first.media_key), MOST)
    assert await store.images([product.id]) == [first]


async def test_a_removed_picture_leaves_the_others_in_order(store: Store) -> None:
    product = await _band(store)
    a, b, c = [await _add(store, picture(product, n), MOST) for n in (1, 2, 3)]
    assert await store.remove_image(product.id, b.id) == b
    assert await store.remove_image(product.id, b.id) is None
    assert await store.remove_image("prod_other", a.id) is None  # not that product's
    assert [(i.id, i.position) for i in await store.images([product.id])] == [(a.id, 0), (c.id, 1)]
    d = await _add(store, picture(product, 4), MOST)
    assert d.position == 2


async def test_pictures_are_reordered_only_as_a_whole(store: Store) -> None:
    product = await _band(store)
    a, b, c = [await _add(store, picture(product, n), MOST) for n in (1, 2, 3)]
    assert await store.reorder_images(product.id, [c.id, a.id, b.id])
    assert [(i.id, i.position) for i in await store.images([product.id])] == [
        (c.id, 0),
        (a.id, 1),
        (b.id, 2),
    ]
    for wrong in ([c.id, a.id], [c.id, a.id, b.id, "img_x"], [c.id, a.id, "img_x"]):
        assert not await store.reorder_images(product.id, wrong)
    assert not await store.reorder_images("prod_none", [a.id])
    assert [i.id for i in await store.images([product.id])] == [c.id, a.id, b.id]


async def test_pictures_added_at_once_each_take_a_place_of_their_own(store: Store) -> None:
    product = await _band(store)
    added = await asyncio.gather(*(_add(store, picture(product, n), MOST) for n in range(12)))
    assert sorted(i.position for i in added) == list(range(12))
    assert [i.position for i in await store.images([product.id])] == list(range(12))


async def test_a_product_with_its_most_pictures_takes_no_more_even_at_once(store: Store) -> None:
    product = await _band(store)
    added = await asyncio.gather(*(store.add_image(picture(product, n), 5) for n in range(9)))
    assert sum(1 for i in added if i is not None) == 5
    assert len(await store.images([product.id])) == 5
    assert await store.add_image(picture(product, 99), 6) is not None
