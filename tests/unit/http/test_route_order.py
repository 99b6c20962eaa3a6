"""Starlette tries routes in order: the purchase first, the till's sale next, the rest after."""

from __future__ import annotations

from starlette.routing import Route

from flashsale.asgi import create_app
from flashsale.bootstrap import build_shop
from tests.conftest import fast_settings


async def test_the_purchase_is_routed_first_and_the_tills_sale_next() -> None:
    shop = await build_shop(fast_settings())
    try:
        app = create_app(shop)
        paths = [route.path for route in app.routes if isinstance(route, Route)]
        assert paths[:2] == ["/api/v1/sales/{sale_id}/purchases", "/api/v1/pos/sales"]
    finally:
        await shop.aclose()
