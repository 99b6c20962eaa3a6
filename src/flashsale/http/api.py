"""The JSON API of the shop: thin handlers that parse, authenticate, call one use case, answer."""

from __future__ import annotations

import orjson
from prometheus_client import CONTENT_TYPE_LATEST
from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response

from flashsale.bootstrap import Shop
from flashsale.catalog.market import Market
from flashsale.catalog.service import VariantSpec
from flashsale.http import problems
from flashsale.http.callers import Callers
from flashsale.http.endpoints import Endpoint
from flashsale.http.purchase_endpoint import PurchaseEndpoint
from flashsale.http.requests import read_json
from flashsale.http.schemas import (
    AuditOut,
    CustomerIn,
    CustomerOut,
    HealthOut,
    MarketIn,
    MarketListOut,
    MarketOut,
    OrderListOut,
    OrderOut,
    PaymentIn,
    ProductIn,
    ProductListOut,
    ProductOut,
    PurchaseIn,
    PurchaseOut,
    RegistrationOut,
    SaleEditIn,
    SaleIn,
    SaleListOut,
    SaleOut,
    SessionIn,
    SessionOut,
)
from flashsale.kernel.errors import InvalidInput, NotFound
from flashsale.sales.service.sales import SaleEdit, SaleSpec

JSON = "application/json"


def json_response(
    model: BaseModel, status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    return Response(model.model_dump_json(), status_code=status, headers=headers, media_type=JSON)


class ShopApi:
    def __init__(self, shop: Shop) -> None:
        self._shop = shop
        self._callers = Callers(shop)
        self.purchase = PurchaseEndpoint(shop)

    # -- who is calling -------------------------------------------------------------------

    # -- operational ------------------------------------------------------------------------

    async def health(self, request: Request) -> Response:
        return json_response(HealthOut(status="ok"))

    async def metrics(self, request: Request) -> Response:
        # Purchase rates, refusals and drift are the operator's: Prometheus scrapes with the
        # admin token (scrape_config: authorization: credentials).
        self._callers.require_admin(request)
        return Response(self._shop.metrics.render(), media_type=CONTENT_TYPE_LATEST)

    async def problem_type(self, request: Request) -> Response:
        described = problems.catalogue().get(request.path_params["code"])
        if described is None:
            raise NotFound("no such problem type")
        return Response(orjson.dumps(described), media_type=JSON)

    # -- markets ----------------------------------------------------------------------------

    async def markets(self, request: Request) -> Response:
        found = await self._shop.catalog.markets()
        return json_response(MarketListOut(markets=[MarketOut.of(m) for m in found]))

    async def put_market(self, request: Request) -> Response:
        self._callers.require_admin(request)
        body = await read_json(request, MarketIn)
        market = Market(body.code.upper(), body.name, body.currency.upper(), body.locale)
        existed = await self._shop.store.market(market.code) is not None
        await self._shop.catalog.add_markets([market])
        return json_response(MarketOut.of(market), 200 if existed else 201)

    # -- customers ------------------------------------------------------------------------

    async def sign_up(self, request: Request) -> Response:
        body = await read_json(request, CustomerIn)
        customer = await self._shop.accounts.sign_up(body.email, body.password, body.market)
        return json_response(CustomerOut.of(customer), 201)

    async def log_in(self, request: Request) -> Response:
        body = await read_json(request, SessionIn)
        token = await self._shop.accounts.log_in(body.email, body.password)
        customer_id = self._shop.accounts.customer_id_of(token)
        return json_response(SessionOut(token=token, customer_id=customer_id))

    # -- catalogue ------------------------------------------------------------------------

    async def products(self, request: Request) -> Response:
        market = request.query_params.get("market")
        if market is not None and len(market) != 2:
            raise InvalidInput("market is a two-letter country code such as IN")
        found = await self._shop.catalog.products(market)
        return json_response(
            ProductListOut(
                market=market.upper() if market else None,
                products=[ProductOut.of(p) for p in found],
            )
        )

    async def add_product(self, request: Request) -> Response:
        self._callers.require_admin(request)
        body = await read_json(request, ProductIn)
        product = await self._shop.catalog.add_product(
            body.name,
            [VariantSpec(v.sku, v.attributes, dict(v.prices)) for v in body.variants],
        )
        return json_response(ProductOut.of(product), 201)

    # -- sales ----------------------------------------------------------------------------

    async def create_sale(self, request: Request) -> Response:
        self._callers.require_admin(request)
        body = await read_json(request, SaleIn)
        sale = await self._shop.sales.create(
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
        return json_response(SaleOut.of(await self._shop.sales.view(sale.id)), 201)

    async def edit_sale(self, request: Request) -> Response:
        self._callers.require_admin(request)
        body = await read_json(request, SaleEditIn)
        terms = body.model_dump(exclude={"price"})
        price = None if body.price is None else str(body.price)
        sale = await self._shop.sales.edit(
            request.path_params["sale_id"], SaleEdit(**terms, price=price)
        )
        return json_response(SaleOut.of(await self._shop.sales.view(sale.id)))

    async def list_sales(self, request: Request) -> Response:
        views = [await self._shop.sales.view(sale.id) for sale in await self._shop.sales.all()]
        return json_response(SaleListOut(sales=[SaleOut.of(v) for v in views]))

    async def sale(self, request: Request) -> Response:
        view = await self._shop.sales.view(request.path_params["sale_id"])
        return json_response(SaleOut.of(view))

    async def register(self, request: Request) -> Response:
        customer_id = self._callers.customer(request)
        sale_id = request.path_params["sale_id"]
        new = await self._shop.sales.register(sale_id, customer_id)
        out = RegistrationOut(sale_id=sale_id, customer_id=customer_id, registered=True, new=new)
        return json_response(out, 201 if new else 200)

    async def audit(self, request: Request) -> Response:
        self._callers.require_admin(request)
        # Let purchases and payments in flight land first.
        await self._shop.purchasing.drain()
        await self._shop.orders.drain()
        audit = await self._shop.auditing.audit(request.path_params["sale_id"])
        return json_response(
            AuditOut(
                sale_id=audit.sale_id,
                stock_total=audit.stock_total,
                stock_left=audit.stock_left,
                gate_stock_left=audit.gate_stock_left,
                gate_drift=audit.gate_drift,
                gate_drift_healed=audit.gate_drift_healed,
                units_counted=audit.units_counted,
                reserved=audit.units.reserved,
                paid=audit.units.paid,
                expired=audit.units.expired,
                cancelled=audit.units.cancelled,
                oversold=audit.oversold,
                customers_over_limit=audit.customers_over_limit,
                orders_without_payment_match=audit.orders_without_payment_match,
                conservation_ok=audit.conservation_ok,
                clean=audit.clean,
            )
        )

    # -- orders ---------------------------------------------------------------------------

    async def my_orders(self, request: Request) -> Response:
        orders = await self._shop.orders.of_customer(self._callers.customer(request))
        return json_response(OrderListOut(orders=[OrderOut.of(o) for o in orders]))

    async def order(self, request: Request) -> Response:
        order = await self._shop.orders.get(
            self._callers.customer(request), request.path_params["order_id"]
        )
        return json_response(OrderOut.of(order))

    async def pay(self, request: Request) -> Response:
        customer_id = self._callers.customer(request)
        body = await read_json(request, PaymentIn)
        order = await self._shop.orders.pay(customer_id, request.path_params["order_id"], body.card)
        return json_response(OrderOut.of(order))

    async def cancel(self, request: Request) -> Response:
        customer_id = self._callers.customer(request)
        order = await self._shop.orders.cancel(customer_id, request.path_params["order_id"])
        return json_response(OrderOut.of(order))

    # -- the table --------------------------------------------------------------------------

    def endpoints(self) -> list[Endpoint]:
        v1 = "/api/v1"
        return [
            Endpoint("GET", "/healthz", self.health, "Liveness", "operations", response=HealthOut),
            Endpoint(
                "GET",
                "/metrics",
                self.metrics,
                "Prometheus metrics (admin token)",
                "operations",
                media_type=CONTENT_TYPE_LATEST,
                auth="admin",
            ),
            Endpoint(
                "GET",
                "/problems/{code}",
                self.problem_type,
                "What a problem type means",
                "operations",
                problems=(404,),
            ),
            Endpoint(
                "GET",
                f"{v1}/markets",
                self.markets,
                "Markets, their currency and locale",
                "catalogue",
                response=MarketListOut,
            ),
            Endpoint(
                "POST",
                f"{v1}/admin/markets",
                self.put_market,
                "Add or update a market (200 when it existed)",
                "operator",
                201,
                body=MarketIn,
                response=MarketOut,
                auth="admin",
                problems=(401, 403, 422),
            ),
            Endpoint(
                "POST",
                f"{v1}/customers",
                self.sign_up,
                "Sign up",
                "customers",
                201,
                body=CustomerIn,
                response=CustomerOut,
                problems=(409, 422),
            ),
            Endpoint(
                "POST",
                f"{v1}/sessions",
                self.log_in,
                "Log in",
                "customers",
                body=SessionIn,
                response=SessionOut,
                problems=(401, 422),
            ),
            Endpoint(
                "GET",
                f"{v1}/products",
                self.products,
                "Products with a market's prices",
                "catalogue",
                response=ProductListOut,
                problems=(404, 422),
            ),
            Endpoint(
                "POST",
                f"{v1}/admin/products",
                self.add_product,
                "Add a product",
                "operator",
                201,
                body=ProductIn,
                response=ProductOut,
                auth="admin",
                problems=(401, 403, 409, 422),
            ),
            Endpoint(
                "POST",
                f"{v1}/admin/sales",
                self.create_sale,
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
                f"{v1}/admin/sales/{{sale_id}}",
                self.edit_sale,
                "Change a sale's terms until a minute before it opens",
                "operator",
                body=SaleEditIn,
                response=SaleOut,
                auth="admin",
                problems=(401, 403, 404, 409, 422),
            ),
            Endpoint(
                "GET",
                f"{v1}/admin/sales/{{sale_id}}/audit",
                self.audit,
                "Audit a sale from the record",
                "operator",
                response=AuditOut,
                auth="admin",
                problems=(401, 403, 404),
            ),
            Endpoint(
                "GET", f"{v1}/sales", self.list_sales, "All sales", "sales", response=SaleListOut
            ),
            Endpoint(
                "GET",
                f"{v1}/sales/{{sale_id}}",
                self.sale,
                "A sale, its state and stock",
                "sales",
                response=SaleOut,
                problems=(404,),
            ),
            Endpoint(
                "POST",
                f"{v1}/sales/{{sale_id}}/registrations",
                self.register,
                "Register for a sale (200 if already registered)",
                "sales",
                201,
                response=RegistrationOut,
                auth="customer",
                problems=(401, 404, 410, 425),
            ),
            Endpoint(
                "POST",
                f"{v1}/sales/{{sale_id}}/purchases",
                self.purchase,
                "Buy: reserve units for the payment window",
                "sales",
                201,
                body=PurchaseIn,
                body_optional=True,
                response=PurchaseOut,
                auth="customer",
                problems=(401, 403, 404, 409, 410, 422, 425, 503),
                headers=("Idempotency-Key",),
                name="purchase",
            ),
            Endpoint(
                "GET",
                f"{v1}/orders",
                self.my_orders,
                "My orders",
                "orders",
                response=OrderListOut,
                auth="customer",
                problems=(401,),
            ),
            Endpoint(
                "GET",
                f"{v1}/orders/{{order_id}}",
                self.order,
                "One of my orders",
                "orders",
                response=OrderOut,
                auth="customer",
                problems=(401, 404),
            ),
            Endpoint(
                "POST",
                f"{v1}/orders/{{order_id}}/payments",
                self.pay,
                "Pay a reserved order (paying twice charges once)",
                "orders",
                body=PaymentIn,
                response=OrderOut,
                auth="customer",
                problems=(401, 402, 404, 409, 410, 422, 503),
            ),
            Endpoint(
                "POST",
                f"{v1}/orders/{{order_id}}/cancel",
                self.cancel,
                "Cancel a reserved order; its units go back on sale",
                "orders",
                response=OrderOut,
                auth="customer",
                problems=(401, 404, 409),
            ),
        ]
