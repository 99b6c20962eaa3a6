"""The demo's catalogue comes with drawn pictures: one per variant for the phone, one for the
band and the power bank, real PNGs the upload checks accept; seeding again adds none, and a
product the operator gave pictures keeps only those."""

from __future__ import annotations

from flashsale.catalog.image_files import inspect_image
from flashsale.catalog.images import ProductImages
from flashsale.catalog.service import Catalog
from flashsale.lab.demo.catalogue import DEMO_PRODUCTS, MI_POWER_BANK
from flashsale.lab.demo.pictures import PICTURES, png
from flashsale.lab.demo.seeding import seed_catalogue, seed_markets
from flashsale.platform.media.memory import MemoryMediaStore
from flashsale.record.memory_store import MemoryStore
from tests.unit.catalog.images_fixtures import image_bytes


def test_every_drawing_is_a_whole_4_by_3_png() -> None:
    for drawings in PICTURES.values():
        for drawing in drawings:
            facts = inspect_image(png(drawing))
            assert (facts.kind.content_type, facts.width, facts.height) == ("image/png", 800, 600)
    # Colours differ where variants do: two drawings of the phone, two different files.
    black, blue = (png(d) for d in PICTURES["Mi 6"])
    assert black != blue


async def test_the_demo_catalogue_is_seeded_with_its_pictures_once() -> None:
    store = MemoryStore()
    catalog = Catalog(store)
    media = MemoryMediaStore()
    images = ProductImages(store, catalog, media)
    await seed_markets(catalog)
    # The operator's own picture of the power bank, there before the demo seeds.
    await catalog.add_product(MI_POWER_BANK.name, MI_POWER_BANK.variants)
    bank = await catalog.variant(MI_POWER_BANK.variants[0].sku)
    assert bank is not None
    own = await images.add(bank.product_id, image_bytes(), "The operator's photo")

    assert await seed_catalogue(catalog, images=images) == len(DEMO_PRODUCTS) - 1
    by_name = {p.name: p for p in await catalog.products()}
    phone = await images.of_product(by_name["Mi 6"].id)
    assert [(i.sku, i.alt) for i in phone] == [
        ("MI6-64GB-BLK", "Mi 6 in black, front"),
        ("MI6-128GB-BLU", "Mi 6 in blue, front"),
    ]
    assert [i.sku for i in await images.of_product(by_name["Mi Band 2"].id)] == [None]
    assert await images.of_product(bank.product_id) == [own]
    for image in phone:
        assert await images.file(image.media_key) is not None

    assert await seed_catalogue(catalog, images=images) == 0
    assert len(await images.of_product(by_name["Mi 6"].id)) == 2
