"""Bodies of products' pictures."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from flashsale.catalog.image_model import MAX_IMAGES_PER_PRODUCT, ProductImage
from flashsale.http.schemas.base import RequestBody, ResponseBody

ImageId = Annotated[str, StringConstraints(pattern=r"^img_[0-9a-f]{32}$")]


class ProductImageOut(ResponseBody):
    id: str
    product_id: str
    sku: str | None = Field(description="The variant it shows; null: the whole product.")
    url: str = Field(description="Where a browser loads it (the shop's /media/..., cached).")
    content_type: str
    alt: str
    width: int
    height: int
    size: int = Field(description="Bytes.")
    position: int = Field(description="0 is shown first.")

    @classmethod
    def of(cls, image: ProductImage, url: str) -> ProductImageOut:
        return cls(
            id=image.id,
            product_id=image.product_id,
            sku=image.sku,
            url=url,
            content_type=image.content_type,
            alt=image.alt,
            width=image.width,
            height=image.height,
            size=image.size,
            position=image.position,
        )


class ProductImageListOut(ResponseBody):
    product_id: str
    images: list[ProductImageOut]


class ImageOrderIn(RequestBody):
    images: list[ImageId] = Field(
        max_length=MAX_IMAGES_PER_PRODUCT,
        description="Every one of the product's pictures, by id, in the order to show them.",
    )
