"""The pages' routes, appended to the app after the API's (the purchase route stays first).

Each page module's ``routes(services, kit)`` reads only the services its Protocol names (the
Shop has them all): a new page module is one more line in ``PAGES``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles

from flashsale.bootstrap import Shop
from flashsale.web import (
    accounts,
    address_book,
    api_docs,
    cases,
    checkout,
    console,
    console_catalog,
    console_customers,
    console_fulfilment,
    console_mail,
    console_order_actions,
    console_orders,
    console_reports,
    console_sale_tools,
    desk,
    desk_supervisor,
    media,
    password_pages,
    pos,
    queue,
    store_pages,
    storefront,
)
from flashsale.web.kit import PageKit
from flashsale.web.rendering import STATIC, Pages
from flashsale.web.security import PageSecurity

PAGES: list[Callable[[Shop, PageKit], list[BaseRoute]]] = [
    store_pages.routes,
    queue.routes,
    accounts.routes,
    password_pages.routes,
    api_docs.routes,
    checkout.routes,
    address_book.routes,
    console.routes,
    console_orders.routes,
    console_order_actions.routes,
    console_customers.routes,
    console_sale_tools.routes,
    console_catalog.routes,
    console_mail.routes,
    console_reports.routes,
    console_fulfilment.routes,
    cases.routes,
    desk.routes,
    desk_supervisor.routes,
    pos.routes,
    media.routes,
]
# A server of the point of sale alone (`flashsale serve --only pos`): the tills' page.
POINT_OF_SALE_PAGES: list[Callable[[Shop, PageKit], list[BaseRoute]]] = [pos.routes]


def web_routes(
    shop: Shop, pages_of: Sequence[Callable[[Shop, PageKit], list[BaseRoute]]] = PAGES
) -> list[BaseRoute]:
    security = PageSecurity(shop)
    pages = Pages(security, shop.clock)
    kit = PageKit(pages, security, storefront.Storefront(shop, pages, security))
    routes: list[BaseRoute] = [Mount("/static", StaticFiles(directory=STATIC), name="static")]
    for page_routes in pages_of:
        routes += page_routes(shop, kit)
    return routes
