"""The pages' routes, appended to the app after the API's (the purchase route stays first).

Errors on a page become an HTML page with the problem's status, not problem+json: a person,
not a program, is reading.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from flashsale.bootstrap import Shop
from flashsale.http.problems import status_and_title
from flashsale.kernel.errors import DomainError
from flashsale.orders.service.shipping import Shipping
from flashsale.web.accounts import AccountPages
from flashsale.web.checkout import CheckoutPages
from flashsale.web.console import ConsolePages
from flashsale.web.live import Snapshots, event_stream
from flashsale.web.queue import QueuePages
from flashsale.web.rendering import STATIC, Pages
from flashsale.web.security import CsrfRejected, PageSecurity
from flashsale.web.storefront import SALE_STATE_LABELS, Storefront

Handler = Callable[[Request], Awaitable[Response]]


def web_routes(shop: Shop) -> list[BaseRoute]:
    security = PageSecurity(shop)
    pages = Pages(security, shop.clock)
    shipping = Shipping(shop.store)
    store = Storefront(shop, pages, security)
    accounts = AccountPages(shop, pages, security, store)
    checkout = CheckoutPages(shop, pages, security, store, shipping)
    console = ConsolePages(shop, pages, security, store, shipping)
    queue = QueuePages(shop, security, store)
    snapshots = Snapshots(period=0.5)

    def page(handler: Callable[..., Awaitable[Response]]) -> Handler:
        @functools.wraps(handler)
        async def run(request: Request) -> Response:
            try:
                return await handler(request)
            except CsrfRejected:
                return pages.render(
                    request,
                    "error.html",
                    {
                        "title": "This form has expired",
                        "detail": "Reload the page and send it again.",
                    },
                    403,
                )
            except DomainError as exc:
                status, title = status_and_title(exc)
                return pages.render(
                    request, "error.html", {"title": title, "detail": exc.detail}, status
                )

        return run

    async def sale_feed(request: Request) -> Response:
        sale_id = request.path_params["sale_id"]
        await shop.sales.view(sale_id)  # a 404 now, not inside the stream

        async def snapshot() -> dict[str, Any]:
            view = await shop.sales.view(sale_id)
            return {
                "state": view.state.value,
                "state_label": SALE_STATE_LABELS[view.state],
                "stock_left": view.stock_left,
                "stock_total": view.sale.stock_total,
                "server_time": view.server_time.isoformat(),
            }

        return event_stream(lambda: snapshots.get(sale_id, snapshot))

    def get(path: str, handler: Callable[..., Awaitable[Response]]) -> Route:
        return Route(path, page(handler), methods=["GET"])

    def post(path: str, handler: Callable[..., Awaitable[Response]]) -> Route:
        return Route(path, page(handler), methods=["POST"])

    return [
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
        # the storefront
        get("/", store.home),
        get("/shop/{market}", store.catalogue),
        get("/shop/{market}/products/{product_id}", store.product),
        get("/sales/{sale_id}", store.sale),
        get("/sales/{sale_id}/live", sale_feed),
        post("/sales/{sale_id}/register", store.register),
        post("/sales/{sale_id}/buy", store.buy),
        post("/sales/{sale_id}/queue", queue.join),
        get("/sales/{sale_id}/queue/live", queue.feed),
        get("/signup", accounts.sign_up_form),
        post("/signup", accounts.sign_up),
        get("/login", accounts.log_in_form),
        post("/login", accounts.log_in),
        post("/logout", accounts.log_out),
        get("/checkout/{order_id}", checkout.checkout),
        post("/checkout/{order_id}", checkout.pay),
        get("/orders", checkout.my_orders),
        get("/orders/{order_id}", checkout.order),
        post("/orders/{order_id}/cancel", checkout.cancel),
        # the operator's console
        get("/console", console.sales),
        get("/console/login", console.log_in_form),
        post("/console/login", console.log_in),
        post("/console/logout", console.log_out),
        get("/console/products", console.products),
        post("/console/products", console.add_product),
        get("/console/sales", console.sales),
        get("/console/sales/new", console.new_sale_form),
        post("/console/sales", console.create_sale),
        get("/console/sales/{sale_id}", console.dashboard),
        get("/console/sales/{sale_id}/edit", console.edit_sale_form),
        post("/console/sales/{sale_id}/edit", console.edit_sale),
        get("/console/sales/{sale_id}/live", console.dashboard_feed),
        get("/console/orders", console.orders),
        get("/console/orders/{order_id}", console.order),
    ]
