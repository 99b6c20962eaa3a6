"""Editing a product in the console: its name, each variant's attributes and prices (typed the
market's way), and a new variant. Variants are never removed (sales sell their SKUs). Admins
only, as over the API; the save lands on the products page with a message. Its pictures are
uploaded, moved and removed on the same page (``console_pictures``)."""

from __future__ import annotations

from typing import Protocol

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute

from flashsale.catalog.images import ProductImages
from flashsale.catalog.market import Market
from flashsale.catalog.model import Product
from flashsale.catalog.service import Catalog, VariantSpec
from flashsale.kernel import errors
from flashsale.staff.model import Role
from flashsale.web.console_forms import parse_attributes
from flashsale.web.console_kit import ConsoleKit, parse_amount
from flashsale.web.console_pictures import PICTURES_SAVED, picture_routes
from flashsale.web.forms import read_form
from flashsale.web.kit import PageKit

CHANGES = (Role.ADMIN.value,)
NEW = "new"  # the form's prefix of the variant being added


class CatalogPageServices(Protocol):
    catalog: Catalog
    product_images: ProductImages


class CatalogPages:
    def __init__(self, services: CatalogPageServices, kit: PageKit) -> None:
        self._catalog = services.catalog
        self._images = services.product_images
        self._console = ConsoleKit(kit, PICTURES_SAVED)

    async def edit_form(
        self,
        request: Request,
        message: str | None = None,
        status: int = 200,
        form: dict[str, str] | None = None,
    ) -> Response:
        operator = await self._console.operator(request, *CHANGES)
        if isinstance(operator, Response):
            return operator
        product = await self._catalog.product(request.path_params["product_id"])
        markets = await self._catalog.markets()
        return self._console.render(
            request,
            "console/product_edit.html",
            {
                "section": "products",
                "product": product,
                "markets": markets,
                "images": [
                    (image, self._images.url(image))
                    for image in await self._images.of_product(product.id)
                ],
                "max_image_mb": self._images.max_bytes // (1024 * 1024),
                "form": form or form_values(product),
                "new": NEW,
                "message": message,
            },
            status,
        )

    async def save(self, request: Request) -> Response:
        operator = await self._console.operator(request, *CHANGES)
        if isinstance(operator, Response):
            return operator
        product = await self._catalog.product(request.path_params["product_id"])
        form = await read_form(request)
        self._console.security.check_csrf(request, form)
        markets = await self._catalog.markets()
        try:
            specs = [
                variant_spec(form, str(n), v.sku, markets) for n, v in enumerate(product.variants)
            ]
            added = form.get(f"{NEW}_sku", "").strip()
            if added:
                specs.append(variant_spec(form, NEW, added, markets))
            await self._catalog.edit_product(product.id, form.get("name", ""), specs)
        except (errors.InvalidInput, errors.Conflict) as exc:
            status = 409 if isinstance(exc, errors.Conflict) else 422
            return await self.edit_form(request, exc.detail, status, form)
        what = "variant" if added else "edited"
        return RedirectResponse(f"/console/products?saved={what}", 303)


def form_values(product: Product) -> dict[str, str]:
    values = {"name": product.name}
    for n, v in enumerate(product.variants):
        values[f"{n}_attributes"] = ", ".join(f"{k}={a}" for k, a in v.attributes.items())
        for code, price in v.prices.items():
            values[f"{n}_price_{code}"] = str(price.amount)
    return values


def variant_spec(form: dict[str, str], prefix: str, sku: str, markets: list[Market]) -> VariantSpec:
    """One variant's row of the form; an empty price leaves the variant unsold there."""
    prices = {
        m.code: str(parse_amount(text, m.locale, f"{sku}: price in {m.name}"))
        for m in markets
        if (text := form.get(f"{prefix}_price_{m.code}", "")).strip()
    }
    attributes = parse_attributes(form.get(f"{prefix}_attributes", ""))
    return VariantSpec(sku=sku, attributes=attributes, prices=prices)


def routes(services: CatalogPageServices, kit: PageKit) -> list[BaseRoute]:
    pages = CatalogPages(services, kit)
    return [
        kit.get("/console/products/{product_id}", pages.edit_form),
        kit.post("/console/products/{product_id}", pages.save),
        *picture_routes(services, kit, pages.edit_form),
    ]
