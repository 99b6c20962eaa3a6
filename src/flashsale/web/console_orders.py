"""The console's orders: every order with its customer, searched by order id or email,
filtered by sale, state and market, a keyset page at a time (page 1,000 costs what page 1 does),
and the same selection as CSV.

Any staff member may look; the CSV (every customer's email at once) is for admins and
supervisors. The actions on one order are in console_order_actions.py.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import BaseRoute

from flashsale.catalog.market import Market
from flashsale.catalog.service import Catalog
from flashsale.customers.accounts import Accounts
from flashsale.customers.model import Customer
from flashsale.kernel import errors
from flashsale.orders.domain.order import Order, OrderStatus
from flashsale.orders.domain.search import OrderCursor, OrderPage, OrderQuery
from flashsale.orders.service.orders import Orders
from flashsale.sales.domain.sale import FlashSale
from flashsale.sales.service.sales import Sales
from flashsale.staff.model import Role
from flashsale.web.console_kit import ConsoleKit
from flashsale.web.i18n import N_, staff_words
from flashsale.web.kit import PageKit

PAGE_SIZE = 50
CSV_PAGE = 500
# Why no order matches: a message (i18n.N_) and the value it names, said in the page's language.
Note = tuple[str, str]
EXPORTERS = (Role.SUPERVISOR.value,)  # and admins, who may everything
CSV_COLUMNS = (
    "order_id",
    "created_at",
    "status",
    "sale_id",
    "market",
    "sku",
    "quantity",
    "amount",
    "currency",
    "customer_id",
    "email",
    "paid_at",
    "closed_at",
)


_STATES = {s.value for s in OrderStatus}
# What the filters find: a query to page through, the one order asked for by id, or nothing.
Found = OrderQuery | list[Order] | None


class OrderListServices(Protocol):
    orders: Orders
    sales: Sales
    catalog: Catalog
    accounts: Accounts


@dataclass(frozen=True, slots=True)
class Selection:
    """The list's filters as the address carries them, and the query they make."""

    text: str = ""  # an order id, or a customer's email
    sale: str = ""
    status: str = ""
    market: str = ""
    customer: str = ""

    @classmethod
    def of(cls, request: Request) -> Selection:
        params = request.query_params
        status = params.get("status") or params.get("state", "")  # "state": older links
        return cls(
            params.get("q", "").strip(),
            params.get("sale", "").strip(),
            status.strip(),
            params.get("market", "").strip(),
            params.get("customer", "").strip(),
        )

    def params(self) -> dict[str, str]:
        named = {"q": self.text, "sale": self.sale, "status": self.status}
        named |= {"market": self.market, "customer": self.customer}
        return {name: value for name, value in named.items() if value}


class OrderListPages:
    def __init__(self, services: OrderListServices, kit: PageKit) -> None:
        self._orders = services.orders
        self._sales = services.sales
        self._catalog = services.catalog
        self._accounts = services.accounts
        self._console = ConsoleKit(kit, {})

    async def orders(self, request: Request) -> Response:
        operator = await self._console.operator(request)
        if isinstance(operator, Response):
            return operator
        selection = Selection.of(request)
        sales = sorted(await self._sales.all(), key=lambda s: s.opens_at, reverse=True)
        markets = {m.code: m for m in await self._catalog.markets()}
        query, note = await self._query(selection, sales, PAGE_SIZE)
        after = _cursor_of(request.query_params.get("after", ""))
        page = None
        if isinstance(query, OrderQuery):
            page = await self._orders.search(_after(query, after))
        found = page.orders if page else query if isinstance(query, list) else []
        customers = await self._accounts.customers(sorted({o.customer_id for o in found}))
        by_sale = {s.id: s for s in sales}
        return self._console.render(
            request,
            "console/orders.html",
            {
                "section": "orders",
                "sales": sales,
                "markets": markets,
                "selection": selection,
                "states": [s.value for s in OrderStatus],
                "rows": [_row(o, customers, by_sale, markets) for o in found],
                "note": staff_words(request).gettext(note[0]) % {"value": note[1]}
                if note
                else None,
                "first_page": after is None,
                "first_url": _url("/console/orders", selection, None),
                "next_url": _url("/console/orders", selection, page.next)
                if page and page.next
                else None,
                "csv_url": _url("/console/orders.csv", selection, None),
            },
        )

    async def export(self, request: Request) -> Response:
        operator = await self._console.operator(request, *EXPORTERS)
        if isinstance(operator, Response):
            return operator
        selection = Selection.of(request)
        sales = await self._sales.all()
        query, _ = await self._query(selection, sales, CSV_PAGE)
        by_sale = {s.id: s for s in sales}
        return StreamingResponse(
            self._csv(query, by_sale),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="orders.csv"'},
        )

    async def _csv(self, query: Found, by_sale: dict[str, FlashSale]) -> AsyncIterator[str]:
        yield _csv_line(CSV_COLUMNS)
        while query is not None:
            # A page of orders per read, its customers in one more.
            if isinstance(query, list):
                page = OrderPage(query, None)
            else:
                page = await self._orders.search(query)
            customer_ids = sorted({o.customer_id for o in page.orders})
            customers = await self._accounts.customers(customer_ids)
            for o in page.orders:
                customer = customers.get(o.customer_id)
                sale = by_sale.get(o.sale_id)
                yield _csv_line(
                    (
                        o.id,
                        _iso(o.created_at),
                        o.status.value,
                        o.sale_id,
                        sale.market_code if sale else "",
                        o.sku,
                        str(o.quantity),
                        str(o.amount.amount),
                        o.amount.currency,
                        o.customer_id,
                        customer.email if customer else "",
                        _iso(o.paid_at),
                        _iso(o.closed_at),
                    )
                )
            query = _after(query, page.next) if page.next and not isinstance(query, list) else None

    async def _query(
        self, selection: Selection, sales: Sequence[FlashSale], limit: int
    ) -> tuple[Found, Note | None]:
        """The query of these filters, or the one order searched for by its id; None (and
        why) when nothing can match."""
        status = OrderStatus(selection.status) if selection.status in _STATES else None
        sale_ids: tuple[str, ...] | None = None
        if selection.market:
            sale_ids = tuple(s.id for s in sales if s.market_code == selection.market)
        if selection.sale:
            sale_ids = tuple(i for i in sale_ids or (selection.sale,) if i == selection.sale)
        customer_id = selection.customer or None
        text = selection.text
        if text.startswith("ord_"):
            order = await self._orders.find(text)
            if order is None:
                return None, (N_("No order %(value)s."), text)
            alone = OrderQuery(sale_ids, status, customer_id)  # the other filters still apply
            return ([order] if alone.matches(order) else []), None
        if text:
            customer = await self._accounts.by_email(text)
            if customer is None:
                return None, (N_("No customer has the email %(value)s."), text)
            if customer_id is not None and customer_id != customer.id:
                return None, None
            customer_id = customer.id
        return OrderQuery(sale_ids, status, customer_id, None, limit), None


@dataclass(frozen=True, slots=True)
class OrderRow:
    order: Order
    email: str
    sale: FlashSale | None
    market: Market | None


def _row(
    order: Order,
    customers: dict[str, Customer],
    by_sale: dict[str, FlashSale],
    markets: dict[str, Market],
) -> OrderRow:
    customer = customers.get(order.customer_id)
    sale = by_sale.get(order.sale_id)
    market = markets.get(sale.market_code) if sale else None
    return OrderRow(order, customer.email if customer else "", sale, market)


def _after(query: OrderQuery, cursor: OrderCursor | None) -> OrderQuery:
    return OrderQuery(query.sale_ids, query.status, query.customer_id, cursor, query.limit)


def _cursor_of(value: str) -> OrderCursor | None:
    """``2026-12-06T11:13:47.123456+00:00~ord_…`` (what ``_url`` writes), or None."""
    moment, _, order_id = value.partition("~")
    if not order_id:
        return None
    try:
        return OrderCursor(datetime.fromisoformat(moment), order_id)
    except ValueError as exc:
        raise errors.InvalidInput("this page's address is damaged: start from the first") from exc


def _url(path: str, selection: Selection, cursor: OrderCursor | None) -> str:
    params = selection.params()
    if cursor is not None:
        params["after"] = f"{cursor.created_at.isoformat()}~{cursor.order_id}"
    return f"{path}?{urlencode(params)}" if params else path


def _iso(moment: datetime | None) -> str:
    return "" if moment is None else moment.isoformat()


def _csv_line(values: Sequence[str]) -> str:
    out = io.StringIO()
    # A cell a spreadsheet would run as a formula (=, +, -, @) is written as text.
    csv.writer(out).writerow(["'" + v if v[:1] in ("=", "+", "-", "@") else v for v in values])
    return out.getvalue()


def routes(services: OrderListServices, kit: PageKit) -> list[BaseRoute]:
    pages = OrderListPages(services, kit)
    return [
        kit.get("/console/orders", pages.orders),
        kit.get("/console/orders.csv", pages.export),
    ]
