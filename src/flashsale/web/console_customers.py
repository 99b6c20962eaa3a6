"""The console's customers: found by id or by the start of their email, and one customer with
their latest orders (all of them on the orders page, filtered to the customer)."""

from __future__ import annotations

from typing import Protocol

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from flashsale.catalog.service import Catalog
from flashsale.customers.accounts import Accounts
from flashsale.orders.domain.search import OrderQuery
from flashsale.orders.service.orders import Orders
from flashsale.sales.service.sales import Sales
from flashsale.web.console_kit import ConsoleKit
from flashsale.web.kit import PageKit

FOUND = 50
LATEST_ORDERS = 20


class CustomerPageServices(Protocol):
    accounts: Accounts
    orders: Orders
    catalog: Catalog
    sales: Sales


class CustomerPages:
    def __init__(self, services: CustomerPageServices, kit: PageKit) -> None:
        self._accounts = services.accounts
        self._orders = services.orders
        self._catalog = services.catalog
        self._sales = services.sales
        self._console = ConsoleKit(kit, {})

    async def customers(self, request: Request) -> Response:
        operator = await self._console.operator(request)
        if isinstance(operator, Response):
            return operator
        text = request.query_params.get("q", "").strip()
        found = await self._accounts.search(text, FOUND) if text else []
        markets = {m.code: m for m in await self._catalog.markets()}
        one = found[0] if len(found) == 1 else None
        orders = []
        if one is not None:
            query = OrderQuery(customer_id=one.id, limit=LATEST_ORDERS)
            page = await self._orders.search(query)
            markets_of = {s.id: markets.get(s.market_code) for s in await self._sales.all()}
            orders = [(o, markets_of.get(o.sale_id)) for o in page.orders]
        return self._console.render(
            request,
            "console/customers.html",
            {
                "section": "customers",
                "q": text,
                "found": found,
                "limit": FOUND,
                "markets": markets,
                "one": one,
                "orders": orders,
                "latest": LATEST_ORDERS,
            },
        )


def routes(services: CustomerPageServices, kit: PageKit) -> list[BaseRoute]:
    pages = CustomerPages(services, kit)
    return [kit.get("/console/customers", pages.customers)]
