"""A product's pictures in the console, on its edit page: upload one (with its alt text and,
optionally, the variant it shows), move one up or down, remove one. Admins only, as over the
API; each action lands back on the edit page with a message, or the page again with why not."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute

from flashsale.catalog.images import ProductImages
from flashsale.http.requests import EdgeError
from flashsale.http.uploads import read_upload
from flashsale.kernel import errors
from flashsale.staff.model import Role
from flashsale.web.console_kit import ConsoleKit
from flashsale.web.forms import read_form
from flashsale.web.i18n import N_
from flashsale.web.kit import PageKit

CHANGES = (Role.ADMIN.value,)
PICTURES_SAVED = {
    "picture": N_("The picture is added."),
    "picture-moved": N_("The pictures are in their new order."),
    "picture-removed": N_("The picture is removed."),
}
# The edit page drawn again with a message: console_catalog.CatalogPages.edit_form.
EditForm = Callable[[Request, str | None, int], Awaitable[Response]]


class PicturePageServices(Protocol):
    product_images: ProductImages


class PicturePages:
    def __init__(self, services: PicturePageServices, kit: PageKit, edit_form: EditForm) -> None:
        self._images = services.product_images
        self._console = ConsoleKit(kit, PICTURES_SAVED)
        self._edit_form = edit_form

    async def upload(self, request: Request) -> Response:
        operator = await self._console.operator(request, *CHANGES)
        if isinstance(operator, Response):
            return operator
        product_id = request.path_params["product_id"]
        try:
            upload = await read_upload(request, self._images.max_bytes)
        except EdgeError as exc:
            return await self._edit_form(request, exc.detail, exc.status)
        self._console.security.check_csrf(request, upload.fields)
        sku = upload.fields.get("sku", "").strip() or None
        try:
            await self._images.add(product_id, upload.data, upload.fields.get("alt", ""), sku)
        except errors.InvalidInput as exc:
            return await self._edit_form(request, exc.detail, 422)
        return RedirectResponse(f"/console/products/{product_id}?saved=picture#pictures", 303)

    async def move(self, request: Request) -> Response:
        operator = await self._console.operator(request, *CHANGES)
        if isinstance(operator, Response):
            return operator
        form = await read_form(request)
        self._console.security.check_csrf(request, form)
        product_id = request.path_params["product_id"]
        image_id = request.path_params["image_id"]
        order = [i.id for i in await self._images.of_product(product_id)]
        if image_id not in order:
            raise errors.NotFound(f"product {product_id} has no picture {image_id}")
        at = order.index(image_id)
        to = at - 1 if form.get("direction") == "up" else at + 1
        if 0 <= to < len(order):
            order[at], order[to] = order[to], order[at]
            try:
                await self._images.reorder(product_id, order)
            except errors.InvalidInput as exc:  # a picture added or removed meanwhile
                return await self._edit_form(request, exc.detail, 409)
        return RedirectResponse(f"/console/products/{product_id}?saved=picture-moved#pictures", 303)

    async def remove(self, request: Request) -> Response:
        operator = await self._console.operator(request, *CHANGES)
        if isinstance(operator, Response):
            return operator
        form = await read_form(request)
        self._console.security.check_csrf(request, form)
        product_id = request.path_params["product_id"]
        await self._images.remove(product_id, request.path_params["image_id"])
        return RedirectResponse(
            f"/console/products/{product_id}?saved=picture-removed#pictures", 303
        )


def picture_routes(
    services: PicturePageServices, kit: PageKit, edit_form: EditForm
) -> list[BaseRoute]:
    pages = PicturePages(services, kit, edit_form)
    base = "/console/products/{product_id}/pictures"
    return [
        kit.post(base, pages.upload),
        kit.post(f"{base}/{{image_id}}/move", pages.move),
        kit.post(f"{base}/{{image_id}}/remove", pages.remove),
    ]
