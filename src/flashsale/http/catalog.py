"""Markets and products over JSON: anyone reads them, the operator adds them."""

from __future__ import annotations

from typing import Protocol

from starlette.requests import Request
from starlette.responses import Response

from flashsale.catalog.market import DEFAULT_TIMEZONE, Market
from flashsale.catalog.service import Catalog, VariantSpec
from flashsale.http.callers import Callers, CallerServices
from flashsale.http.endpoints import V1, Endpoint
from flashsale.http.product_images import ProductImageServices
from flashsale.http.product_images import endpoints as image_endpoints
from flashsale.http.requests import read_json
from flashsale.http.responses import json_response
from flashsale.http.schemas.catalog import (
    MarketIn,
    MarketListOut,
    MarketOut,
    ProductIn,
    ProductListOut,
    ProductOut,
    ProductQuery,
)


class CatalogServices(ProductImageServices, CallerServices, Protocol):
    catalog: Catalog


class CatalogApi:
    def __init__(self, services: CatalogServices) -> None:
        self._catalog = services.catalog
        self._callers = Callers(services)

    async def markets(self, request: Request) -> Response:
        found = await self._catalog.markets()
        return json_response(MarketListOut(markets=[MarketOut.of(m) for m in found]))

    async def put_market(self, request: Request) -> Response:
        self._callers.require_admin(request)
        body = await read_json(request, MarketIn)
        code = body.code.upper()
        zone = body.timezone
        if zone is None:  # left out: a market that exists keeps its zone
            known = await self._catalog.find_market(code)
            zone = known.timezone if known is not None else DEFAULT_TIMEZONE
        market = Market(code, body.name, body.currency.upper(), body.locale, zone)
        existed = await self._catalog.put_market(market)
        return json_response(MarketOut.of(market), 200 if existed else 201)

    async def products(self, request: Request) -> Response:
        market = ProductQuery.of(request.query_params).market
        found = await self._catalog.products(market)
        return json_response(
            ProductListOut(
                market=market.upper() if market else None,
                products=[ProductOut.of(p) for p in found],
            )
        )

    async def add_product(self, request: Request) -> Response:
        self._callers.require_admin(request)
        body = await read_json(request, ProductIn)
        product = await self._catalog.add_product(
            body.name,
            [VariantSpec(v.sku, v.attributes, dict(v.prices)) for v in body.variants],
        )
        return json_response(ProductOut.of(product), 201)


def endpoints(services: CatalogServices) -> list[Endpoint]:
    api = CatalogApi(services)
    return [
        Endpoint(
            "GET",
            f"{V1}/markets",
            api.markets,
            "Markets, their currency, locale and time zone",
            "catalogue",
            response=MarketListOut,
        ),
        Endpoint(
            "POST",
            f"{V1}/admin/markets",
            api.put_market,
            "Add or update a market (200 when it existed)",
            "operator",
            201,
            also=(200,),
            body=MarketIn,
            response=MarketOut,
            auth="admin",
            problems=(401, 403, 422),
        ),
        Endpoint(
            "GET",
            f"{V1}/products",
            api.products,
            "Products with a market's prices",
            "catalogue",
            response=ProductListOut,
            query=ProductQuery,
            problems=(404, 422),
        ),
        Endpoint(
            "POST",
            f"{V1}/admin/products",
            api.add_product,
            "Add a product",
            "operator",
            201,
            body=ProductIn,
            response=ProductOut,
            auth="admin",
            problems=(401, 403, 409, 422),
        ),
        *image_endpoints(services),
    ]
