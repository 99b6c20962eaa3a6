"""A product's pictures: each a stored file (its media key) with its alt text and size, in the
order the operator gave them, for the whole product or for one of its variants."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from flashsale.kernel.errors import InvalidInput

# An upload's bounds: a product photo is well under a few megabytes, and a bigger file only
# slows every page it is on. Pixels are bounded too, since a small file can unpack into a
# huge image (a "decompression bomb").
MAX_IMAGE_BYTES = 5 * 1024 * 1024
MAX_IMAGE_SIDE = 8000
MAX_IMAGE_PIXELS = 25_000_000
MAX_IMAGES_PER_PRODUCT = 20
MAX_ALT_LENGTH = 300
# C0 controls but tab, newline and carriage return (spaces, once the text is trimmed), and DEL.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True, slots=True)
class ProductImage:
    id: str
    product_id: str
    sku: str | None  # the variant it shows; None: the product as a whole
    media_key: str
    content_type: str
    alt: str
    width: int
    height: int
    size: int  # bytes
    position: int = 0  # 0 first; the repository sets it when the image is added


def check_alt(alt: str) -> str:
    """The alt text, trimmed; InvalidInput when too long or holding control characters. Empty
    is allowed: the page then describes the image by the product's name."""
    if _CONTROL.search(alt):
        raise InvalidInput("alt: holds a control character")
    text = " ".join(alt.split())
    if len(text) > MAX_ALT_LENGTH:
        raise InvalidInput(f"alt: at most {MAX_ALT_LENGTH} characters, not {len(text)}")
    return text


def image_for(images: Sequence[ProductImage], sku: str | None) -> ProductImage | None:
    """The picture to show for a variant: its own first, else the product's first for all
    variants, else the product's first of any; None for a product without pictures."""
    own = [i for i in images if sku is not None and i.sku == sku]
    shared = [i for i in images if i.sku is None]
    for found in (own, shared, list(images)):
        if found:
            return min(found, key=lambda i: (i.position, i.id))
    return None
