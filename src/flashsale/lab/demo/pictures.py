"""The demo's product pictures, drawn with Pillow when the demo seeds its catalogue: a phone in
each of its colours, the band, the power bank. Flat drawings on a light ground, 800×600 (the
storefront's 4:3 frame), drawn at twice the size and scaled down for smooth edges.

Drawn rather than shipped: a few lines per product instead of binary files in the repository,
and every run draws the same pixels.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PIL import Image, ImageDraw

from flashsale.catalog.images import ProductImages
from flashsale.catalog.service import Catalog
from flashsale.lab.demo.catalogue import DEMO_PRODUCTS, DemoProduct

WIDTH, HEIGHT = 800, 600
SCALE = 2  # drawn this many times larger, then scaled down: anti-aliased edges
GROUND = (246, 244, 241)
SHADOW = (226, 222, 216)
Colour = tuple[int, int, int]
Drawing = Callable[[ImageDraw.ImageDraw, Colour], None]


@dataclass(frozen=True, slots=True)
class DemoPicture:
    sku: str | None  # the variant it shows; None: every variant
    alt: str
    draw: Drawing
    colour: Colour


def _box(x0: float, y0: float, x1: float, y1: float) -> tuple[int, int, int, int]:
    return (int(x0 * SCALE), int(y0 * SCALE), int(x1 * SCALE), int(y1 * SCALE))


def _shade(colour: Colour, by: float) -> Colour:
    """Lighter (by > 0) or darker (by < 0)."""
    if by >= 0:
        return (
            int(colour[0] + (255 - colour[0]) * by),
            int(colour[1] + (255 - colour[1]) * by),
            int(colour[2] + (255 - colour[2]) * by),
        )
    return (
        int(colour[0] * (1 + by)),
        int(colour[1] * (1 + by)),
        int(colour[2] * (1 + by)),
    )


def phone(draw: ImageDraw.ImageDraw, body: Colour) -> None:
    draw.ellipse(_box(290, 530, 510, 560), fill=SHADOW)
    draw.rounded_rectangle(_box(300, 40, 500, 540), radius=36 * SCALE, fill=body)
    draw.rounded_rectangle(_box(314, 90, 486, 480), radius=8 * SCALE, fill=(24, 32, 48))
    # A sunrise on the screen, so that it reads as a lit display.
    draw.pieslice(_box(340, 300, 460, 420), 180, 360, fill=(255, 138, 61))
    draw.rectangle(_box(314, 360, 486, 480), fill=(40, 64, 110))
    draw.rounded_rectangle(_box(370, 60, 430, 68), radius=4 * SCALE, fill=_shade(body, 0.35))
    draw.rounded_rectangle(_box(375, 494, 425, 522), radius=12 * SCALE, fill=_shade(body, 0.2))


def band(draw: ImageDraw.ImageDraw, strap: Colour) -> None:
    draw.ellipse(_box(250, 520, 550, 555), fill=SHADOW)
    draw.ellipse(_box(230, 110, 570, 520), outline=strap, width=56 * SCALE)
    draw.ellipse(_box(262, 142, 538, 488), outline=_shade(strap, 0.18), width=6 * SCALE)
    draw.rounded_rectangle(_box(340, 210, 460, 420), radius=60 * SCALE, fill=(20, 22, 26))
    draw.rounded_rectangle(_box(352, 224, 448, 406), radius=50 * SCALE, fill=(36, 40, 48))
    draw.text(_box(378, 290, 0, 0)[:2], "10:30", fill=(120, 220, 255), font_size=18 * SCALE)
    for n in range(3):
        draw.ellipse(_box(385 + 12 * n, 340, 393 + 12 * n, 348), fill=(120, 220, 255))


def power_bank(draw: ImageDraw.ImageDraw, shell: Colour) -> None:
    draw.ellipse(_box(200, 470, 600, 505), fill=SHADOW)
    draw.rounded_rectangle(_box(210, 170, 590, 480), radius=40 * SCALE, fill=_shade(shell, -0.25))
    draw.rounded_rectangle(_box(200, 150, 580, 460), radius=40 * SCALE, fill=shell)
    draw.rounded_rectangle(_box(230, 175, 550, 200), radius=10 * SCALE, fill=_shade(shell, 0.5))
    bolt = [(405, 230), (340, 330), (392, 330), (370, 410), (455, 300), (402, 300), (430, 230)]
    draw.polygon([(x * SCALE, y * SCALE) for x, y in bolt], fill=(255, 138, 61))
    for n in range(4):
        draw.ellipse(_box(255 + 18 * n, 420, 265 + 18 * n, 430), fill=(90, 200, 120))


PICTURES: dict[str, tuple[DemoPicture, ...]] = {
    "Mi 6": (
        DemoPicture("MI6-64GB-BLK", "Mi 6 in black, front", phone, (30, 30, 34)),
        DemoPicture("MI6-128GB-BLU", "Mi 6 in blue, front", phone, (38, 84, 160)),
    ),
    "Mi Band 2": (DemoPicture(None, "Mi Band 2 with its black strap", band, (40, 42, 46)),),
    "Mi Power Bank": (
        DemoPicture(None, "Mi Power Bank 10000 mAh in silver", power_bank, (206, 210, 216)),
    ),
}


def png(picture: DemoPicture) -> bytes:
    canvas = Image.new("RGB", (WIDTH * SCALE, HEIGHT * SCALE), GROUND)
    picture.draw(ImageDraw.Draw(canvas), picture.colour)
    out = io.BytesIO()
    canvas.resize((WIDTH, HEIGHT), Image.Resampling.LANCZOS).save(out, "PNG", optimize=True)
    return out.getvalue()


async def seed_pictures(
    catalog: Catalog, images: ProductImages, products: Sequence[DemoProduct] = DEMO_PRODUCTS
) -> int:
    """Draw and add the pictures of the demo's products that have none yet (a product the
    operator gave pictures keeps them); returns how many were added."""
    added = 0
    for demo in products:
        drawn = PICTURES.get(demo.name, ())
        variant = await catalog.variant(demo.variants[0].sku) if drawn else None
        if variant is None or await images.of_product(variant.product_id):
            continue
        for picture in drawn:
            await images.add(variant.product_id, png(picture), picture.alt, picture.sku)
            added += 1
    return added
