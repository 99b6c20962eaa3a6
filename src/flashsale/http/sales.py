"""Flash sales over JSON: the operator creates, edits and audits them; customers register and
buy (the purchase itself is the bare endpoint of purchase_endpoint.py)."""

from __future__ import annotations

from typing import Protocol

from starlette.requests import Request
from starlette.responses import Response

from flashsale.http.callers import Callers, CallerServices
from flashsale.http.endpoints import V1, Endpoint, Header
from flashsale.http.purchase_endpoint import PurchaseEndpoint, PurchaseServices
from flashsale.http.requests import read_json
from flashsale.http.responses import json_response
from flashsale.http.schemas.sales import (
    AuditOut,
    PurchaseIn,
    PurchaseOut,
    RegistrationOut,
    SaleEditIn,
    SaleIn,
    SaleListOut,
    SaleOut,
)
from flashsale.orders.domain.order import MAX_IDEMPOTENCY_KEY
from flashsale.orders.service.orders import Orders
from flashsale.sales.service.auditing import Auditing
from flashsale.sales.service.sales import SaleEdit, Sales, SaleSpec

# A header's value has no white space at either end: HTTP trims it on the way.
_TRIMMED = r"^\S(.*\S)?$"
PURCHASE_HEADERS = (
    Header(
        "Idempotency-Key",
        "Any value of the buyer's: a purchase retried with the same key returns the stored"
        " order instead of buying again.",
        {"type": "string", "minLength": 1, "maxLength": MAX_IDEMPOTENCY_KEY, "pattern": _TRIMMED},
    ),
    Header(
        "Admission-Token",
        "For a sale that enforces its waiting room: the token the queue gave on admission.",
        {"type": "string", "pattern": _TRIMMED},
    ),
)
PURCHASE_ANSWER_HEADERS = (
    Header("Location", "The order's address.", {"type": "string"}, required=True),
    Header(
        "Idempotent-Replayed",
        "Present when the Idempotency-Key was seen before: the order is the one stored then.",
        {"type": "string", "const": "true"},
    ),
)


class SaleServices(CallerServices, PurchaseServices, Protocol):
    sales: Sales
    auditing: Auditing
    orders: Orders


class SalesApi:
    def __init__(self, services: SaleServices) -> None:
        self._sales = services.sales
        self._auditing = services.auditing
        # Purchases and payments in flight land before an audit counts the record.
        self._in_flight = (services.purchasing, services.orders)
        self._callers = Callers(services)

    async def create_sale(self, request: Request) -> Response:
        self._callers.require_admin(request)
        body = await read_json(request, SaleIn)
        sale = await self._sales.create(
            SaleSpec(
                sku=body.sku,
                market=body.market,
                stock=body.stock,
                per_customer_limit=body.per_customer_limit,
                registration_opens_at=body.registration_opens_at,
                registration_closes_at=body.registration_closes_at,
                opens_at=body.opens_at,
                closes_at=body.closes_at,
                payment_window_seconds=body.payment_window_seconds,
                price=None if body.price is None else str(body.price),
            )
        )
        return json_response(SaleOut.of(await self._sales.view(sale.id)), 201)

    async def edit_sale(self, request: Request) -> Response:
        self._callers.require_admin(request)
        body = await read_json(request, SaleEditIn)
        terms = body.model_dump(exclude={"price"})
        price = None if body.price is None else str(body.price)
        sale = await self._sales.edit(
            request.path_params["sale_id"], SaleEdit(**terms, price=price)
        )
        return json_response(SaleOut.of(await self._sales.view(sale.id)))

    async def close_sale(self, request: Request) -> Response:
        self._callers.require_admin(request)
        closing = await self._sales.close(request.path_params["sale_id"])
        return json_response(SaleOut.of(await self._sales.view(closing.sale.id)))

    async def list_sales(self, request: Request) -> Response:
        views = [await self._sales.view(sale.id) for sale in await self._sales.all()]
        return json_response(SaleListOut(sales=[SaleOut.of(v) for v in views]))

    async def sale(self, request: Request) -> Response:
        view = await self._sales.view(request.path_params["sale_id"])
        return json_response(SaleOut.of(view))

    async def register(self, request: Request) -> Response:
        customer_id = self._callers.customer(request)
        sale_id = request.path_params["sale_id"]
        new = await self._sales.register(sale_id, customer_id)
        out = RegistrationOut(sale_id=sale_id, customer_id=customer_id, registered=True, new=new)
        return json_response(out, 201 if new else 200)

    async def audit(self, request: Request) -> Response:
        self._callers.require_admin(request)
        sale_id = request.path_params["sale_id"]
        audit = await self._auditing.audit_settled(sale_id, self._in_flight)
        return json_response(AuditOut.of(audit))


def endpoints(services: SaleServices) -> list[Endpoint]:
    api = SalesApi(services)
    return [
        Endpoint(
            "POST",
            f"{V1}/admin/sales",
            api.create_sale,
            "Create a flash sale",
            "operator",
            201,
            body=SaleIn,
            response=SaleOut,
            auth="admin",
            problems=(401, 403, 422),
        ),
        Endpoint(
            "PATCH",
            f"{V1}/admin/sales/{{sale_id}}",
            api.edit_sale,
            "Change a sale's terms until a minute before it opens",
            "operator",
            body=SaleEditIn,
            response=SaleOut,
            auth="admin",
            problems=(401, 403, 404, 409, 422),
        ),
        Endpoint(
            "POST",
            f"{V1}/admin/sales/{{sale_id}}/close",
            api.close_sale,
            "Close a sale now (one not open yet never opens); closing a closed one changes nothing",
            "operator",
            response=SaleOut,
            auth="admin",
            problems=(401, 403, 404, 503),
        ),
        Endpoint(
            "GET",
            f"{V1}/admin/sales/{{sale_id}}/audit",
            api.audit,
            "Audit a sale from the record",
            "operator",
            response=AuditOut,
            auth="admin",
            problems=(401, 403, 404),
        ),
        Endpoint("GET", f"{V1}/sales", api.list_sales, "All sales", "sales", response=SaleListOut),
        Endpoint(
            "GET",
            f"{V1}/sales/{{sale_id}}",
            api.sale,
            "A sale, its state and stock",
            "sales",
            response=SaleOut,
            problems=(404,),
        ),
        Endpoint(
            "POST",
            f"{V1}/sales/{{sale_id}}/registrations",
            api.register,
            "Register for a sale (200 if already registered)",
            "sales",
            201,
            also=(200,),
            response=RegistrationOut,
            auth="customer",
            problems=(401, 404, 410, 425),
        ),
        Endpoint(
            "POST",
            f"{V1}/sales/{{sale_id}}/purchases",
            PurchaseEndpoint(services),
            "Buy: reserve units for the payment window",
            "sales",
            201,
            body=PurchaseIn,
            body_optional=True,
            response=PurchaseOut,
            auth="customer",
            problems=(401, 403, 404, 409, 410, 422, 425, 429, 503),
            headers=PURCHASE_HEADERS,
            response_headers=PURCHASE_ANSWER_HEADERS,
            name="purchase",
            hot=True,
        ),
    ]
