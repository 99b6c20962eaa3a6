"""Products' pictures over HTTP: anyone lists them, the operator uploads, removes and orders
them. An upload is multipart/form-data: the image in ``file``, optionally ``alt`` and ``sku``
(the variant it shows)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from starlette.requests import Request
from starlette.responses import Response

from flashsale.catalog.image_model import ProductImage
from flashsale.catalog.images import ProductImages
from flashsale.http.callers import Callers, CallerServices
from flashsale.http.endpoints import V1, Endpoint
from flashsale.http.requests import read_json
from flashsale.http.responses import json_response
from flashsale.http.schemas.product_images import (
    ImageOrderIn,
    ProductImageListOut,
    ProductImageOut,
)
from flashsale.http.uploads import read_upload


class ProductImageServices(CallerServices, Protocol):
    product_images: ProductImages


class ProductImagesApi:
    def __init__(self, services: ProductImageServices) -> None:
        self._images = services.product_images
        self._callers = Callers(services)

    async def product_images(self, request: Request) -> Response:
        product_id = request.path_params["product_id"]
        found = await self._images.of_product(product_id)
        return json_response(self._listed(product_id, found))

    async def add_product_image(self, request: Request) -> Response:
        self._callers.require_admin(request)
        product_id = request.path_params["product_id"]
        upload = await read_upload(request, self._images.max_bytes)
        sku = upload.fields.get("sku", "").strip() or None
        image = await self._images.add(product_id, upload.data, upload.fields.get("alt", ""), sku)
        return json_response(ProductImageOut.of(image, self._images.url(image)), 201)

    async def remove_product_image(self, request: Request) -> Response:
        self._callers.require_admin(request)
        await self._images.remove(
            request.path_params["product_id"], request.path_params["image_id"]
        )
        return Response(status_code=204)

    async def order_product_images(self, request: Request) -> Response:
        self._callers.require_admin(request)
        product_id = request.path_params["product_id"]
        body = await read_json(request, ImageOrderIn)
        ordered = await self._images.reorder(product_id, body.images)
        return json_response(self._listed(product_id, ordered))

    def _listed(self, product_id: str, images: Sequence[ProductImage]) -> ProductImageListOut:
        return ProductImageListOut(
            product_id=product_id,
            images=[ProductImageOut.of(i, self._images.url(i)) for i in images],
        )


def endpoints(services: ProductImageServices) -> list[Endpoint]:
    api = ProductImagesApi(services)
    images = f"{V1}/products/{{product_id}}/images"
    admin = f"{V1}/admin/products/{{product_id}}/images"
    return [
        Endpoint(
            "GET",
            images,
            api.product_images,
            "A product's pictures, in the order they are shown",
            "catalogue",
            response=ProductImageListOut,
        ),
        Endpoint(
            "POST",
            admin,
            api.add_product_image,
            "Upload a picture of a product (multipart/form-data: file, alt, sku): PNG, JPEG or"
            " WebP, checked by its content; SVG is refused",
            "operator",
            201,
            response=ProductImageOut,
            auth="admin",
            problems=(404, 408, 409, 413, 415, 422),
        ),
        # Before .../{image_id}, which would take "order" for an image's id.
        Endpoint(
            "PUT",
            f"{admin}/order",
            api.order_product_images,
            "Put a product's pictures in order (every one of them, each once)",
            "operator",
            body=ImageOrderIn,
            response=ProductImageListOut,
            auth="admin",
            problems=(404,),
        ),
        Endpoint(
            "DELETE",
            f"{admin}/{{image_id}}",
            api.remove_product_image,
            "Remove a picture of a product",
            "operator",
            204,
            auth="admin",
            problems=(404,),
        ),
    ]
