"""Inventory and fulfilment over JSON (the operator's side):

    GET|POST /api/v1/admin/locations             GET|PUT /api/v1/admin/locations/{code}
    POST     /api/v1/admin/locations/{code}/stock-moves   {sku, kind, quantity, reference}
    GET      /api/v1/admin/stock?location=&sku=   GET /api/v1/admin/stock/audit?sku=
    GET|PUT  /api/v1/admin/sales/{sale_id}/allotments
    GET|PUT  /api/v1/admin/markets/{code}/fulfilment
    POST     /api/v1/admin/fulfilment/allocate?market=
    GET      /api/v1/admin/fulfilment-orders?status=&market=&location=
    GET      /api/v1/admin/fulfilment-orders/{id}

Who: the admin token or an admin; supervisors everywhere here; the warehouse for what it does
(stock moves, levels, fulfilment orders); the service desk reads fulfilment orders.
"""

from __future__ import annotations

from datetime import time
from typing import Protocol

from starlette.requests import Request
from starlette.responses import Response

from flashsale.fulfilment.domain.order import FulfilmentStatus
from flashsale.fulfilment.domain.settings import Strategy
from flashsale.fulfilment.service.assembly import Fulfilment
from flashsale.http.callers import Callers, CallerServices, operator_of
from flashsale.http.endpoints import V1, Endpoint
from flashsale.http.requests import read_json
from flashsale.http.responses import json_response
from flashsale.http.schemas.fulfilment import (
    AllocatedOut,
    AllocateQuery,
    AllotmentListOut,
    AllotmentOut,
    AllotmentsIn,
    FulfilmentOrderListOut,
    FulfilmentOrderOut,
    FulfilmentOrderQuery,
    LevelListOut,
    LevelOut,
    LevelQuery,
    LocationIn,
    LocationListOut,
    LocationOut,
    LocationQuery,
    MarketFulfilmentIn,
    MarketFulfilmentOut,
    MoveOut,
    StockAuditOut,
    StockMoveIn,
    StockMoveOut,
)
from flashsale.http.schemas.stock_audit import StockAuditQuery
from flashsale.inventory.domain.stock import MoveKind
from flashsale.kernel.errors import InvalidInput
from flashsale.staff.model import StaffMember

MANAGERS = ("supervisor",)
WAREHOUSE = ("supervisor", "warehouse")
READERS = ("supervisor", "warehouse", "agent", "clerk")
MOVES = {
    "receive": MoveKind.RECEIPT,
    "adjust": MoveKind.ADJUSTMENT,
    "count": MoveKind.COUNT,
    "write_off": MoveKind.WRITE_OFF,
}


class FulfilmentServices(CallerServices, Protocol):
    @property
    def fulfilment(self) -> Fulfilment: ...


class FulfilmentApi:
    def __init__(self, services: FulfilmentServices) -> None:
        self._services = services
        self._callers = Callers(services)

    @property
    def _f(self) -> Fulfilment:
        return self._services.fulfilment

    def _actor(self, request: Request) -> str:
        self._callers.require_admin(request)
        operator = operator_of(request)
        return f"staff:{operator.id}" if isinstance(operator, StaffMember) else "admin"

    async def locations(self, request: Request) -> Response:
        query = LocationQuery.of(request.query_params)
        found = await self._f.locations.all(query.market)
        return json_response(LocationListOut(locations=[LocationOut.of(x) for x in found]))

    async def add_location(self, request: Request) -> Response:
        body = await read_json(request, LocationIn)
        made = await self._f.locations.add(body.location())
        return json_response(LocationOut.of(made), 201)

    async def location(self, request: Request) -> Response:
        found = await self._f.locations.get(request.path_params["code"].upper())
        return json_response(LocationOut.of(found))

    async def replace_location(self, request: Request) -> Response:
        body = await read_json(request, LocationIn)
        code = request.path_params["code"].upper()
        if body.code.upper() != code:
            raise InvalidInput(f"code: the body names {body.code[:40]}, the path {code[:40]}")
        return json_response(LocationOut.of(await self._f.locations.replace(body.location(code))))

    async def move(self, request: Request) -> Response:
        actor = self._actor(request)
        body = await read_json(request, StockMoveIn)
        move, level = await self._f.stock.move(
            request.path_params["code"].upper(),
            body.sku,
            MOVES[body.kind],
            body.quantity,
            body.reference,
            actor,
        )
        return json_response(StockMoveOut(move=MoveOut.of(move), level=LevelOut.of(level)), 201)

    async def levels(self, request: Request) -> Response:
        query = LevelQuery.of(request.query_params)
        location = query.location.upper() if query.location else None
        found = await self._f.stock.levels(location, query.sku)
        return json_response(LevelListOut(levels=[LevelOut.of(x) for x in found]))

    async def audit(self, request: Request) -> Response:
        query = StockAuditQuery.of(request.query_params)
        return json_response(StockAuditOut.of(await self._f.audit.audit(query.sku)))

    async def allotments(self, request: Request) -> Response:
        sale_id = request.path_params["sale_id"]
        found = await self._f.allotments.of_sale(sale_id)
        return json_response(
            AllotmentListOut(sale_id=sale_id, allotments=[AllotmentOut.of(a) for a in found])
        )

    async def put_allotments(self, request: Request) -> Response:
        sale_id = request.path_params["sale_id"]
        body = await read_json(request, AllotmentsIn)
        made = await self._f.allotments.put(sale_id, body.allotments)
        return json_response(
            AllotmentListOut(sale_id=sale_id, allotments=[AllotmentOut.of(a) for a in made])
        )

    async def settings(self, request: Request) -> Response:
        found = await self._f.orders.settings(request.path_params["code"])
        return json_response(MarketFulfilmentOut.of(found))

    async def put_settings(self, request: Request) -> Response:
        body = await read_json(request, MarketFulfilmentIn)
        stored = await self._f.orders.put_settings(
            request.path_params["code"],
            Strategy(body.strategy),
            body.ranked_locations,
            body.allow_split,
            body.return_window_days,
            time.fromisoformat(body.cutoff_local_time),
        )
        return json_response(MarketFulfilmentOut.of(stored))

    async def allocate(self, request: Request) -> Response:
        query = AllocateQuery.of(request.query_params)
        done = await self._f.allocators.allocate_now(query.market.upper() if query.market else None)
        return json_response(AllocatedOut.of(done))

    async def fulfilment_orders(self, request: Request) -> Response:
        query = FulfilmentOrderQuery.of(request.query_params)
        found = await self._f.orders.listed(
            FulfilmentStatus(query.status) if query.status else None,
            query.market,
            query.location.upper() if query.location else None,
            query.limit,
        )
        return json_response(
            FulfilmentOrderListOut(fulfilment_orders=[FulfilmentOrderOut.of(x) for x in found])
        )

    async def fulfilment_order(self, request: Request) -> Response:
        found = await self._f.orders.get(request.path_params["fulfilment_order_id"])
        return json_response(FulfilmentOrderOut.of(found))


def endpoints(services: FulfilmentServices) -> list[Endpoint]:
    api = FulfilmentApi(services)
    tag = "fulfilment"
    locations = f"{V1}/admin/locations"
    return [
        Endpoint("GET", locations, api.locations, "Locations (DCs), by code", tag,
                 response=LocationListOut, auth="admin", roles=READERS, query=LocationQuery,
                 problems=(401, 403)),
        Endpoint("POST", locations, api.add_location, "Add a location", tag, 201,
                 body=LocationIn, response=LocationOut, auth="admin", roles=MANAGERS,
                 problems=(401, 403, 409, 422)),
        Endpoint("GET", f"{locations}/{{code}}", api.location, "One location", tag,
                 response=LocationOut, auth="admin", roles=READERS, problems=(401, 403, 404)),
        Endpoint("PUT", f"{locations}/{{code}}", api.replace_location,
                 "Change a location (all of it)", tag, body=LocationIn, response=LocationOut,
                 auth="admin", roles=MANAGERS, problems=(401, 403, 404, 422)),
        Endpoint("POST", f"{locations}/{{code}}/stock-moves", api.move,
                 "Record a stock move by hand: receive, adjust, count, write_off", tag, 201,
                 body=StockMoveIn, response=StockMoveOut, auth="admin", roles=WAREHOUSE,
                 problems=(401, 403, 404, 409, 422)),
        Endpoint("GET", f"{V1}/admin/stock", api.levels,
                 "Stock levels: on hand, allocated, committed, free", tag,
                 response=LevelListOut, auth="admin", roles=READERS, query=LevelQuery,
                 problems=(401, 403, 404)),
        Endpoint("GET", f"{V1}/admin/stock/audit", api.audit,
                 "The stock audit: every level explained by the ledger, the open fulfilment"
                 " orders, the allotments and the pools; per SKU, received = every door's"
                 " sold + in pools + on hand + written off", tag, response=StockAuditOut,
                 auth="admin", roles=WAREHOUSE, query=StockAuditQuery, problems=(401, 403, 422)),
        Endpoint("GET", f"{V1}/admin/sales/{{sale_id}}/allotments", api.allotments,
                 "A sale's allotments", tag, response=AllotmentListOut, auth="admin",
                 roles=READERS, problems=(401, 403, 404)),
        Endpoint("PUT", f"{V1}/admin/sales/{{sale_id}}/allotments", api.put_allotments,
                 "Allot a sale's stock to locations (adding up to it; until the sale's edit"
                 " freeze)", tag, body=AllotmentsIn, response=AllotmentListOut, auth="admin",
                 roles=MANAGERS, problems=(401, 403, 404, 409, 422)),
        Endpoint("GET", f"{V1}/admin/markets/{{code}}/fulfilment", api.settings,
                 "How a market fulfils", tag, response=MarketFulfilmentOut, auth="admin",
                 roles=READERS, problems=(401, 403, 404)),
        Endpoint("PUT", f"{V1}/admin/markets/{{code}}/fulfilment", api.put_settings,
                 "Set how a market fulfils: strategy, ranked locations, splits, returns,"
                 " cutoff", tag, body=MarketFulfilmentIn, response=MarketFulfilmentOut,
                 auth="admin", roles=MANAGERS, problems=(401, 403, 404, 422)),
        Endpoint("POST", f"{V1}/admin/fulfilment/allocate", api.allocate,
                 "Allocate the paid orders waiting in the feed now", tag,
                 response=AllocatedOut, auth="admin", roles=WAREHOUSE, query=AllocateQuery,
                 problems=(401, 403)),
        Endpoint("GET", f"{V1}/admin/fulfilment-orders", api.fulfilment_orders,
                 "Fulfilment orders, the oldest paid first (status=unallocated: with why)",
                 tag, response=FulfilmentOrderListOut, auth="admin", roles=READERS,
                 query=FulfilmentOrderQuery, problems=(401, 403, 422)),
        Endpoint("GET", f"{V1}/admin/fulfilment-orders/{{fulfilment_order_id}}",
                 api.fulfilment_order, "One fulfilment order", tag,
                 response=FulfilmentOrderOut, auth="admin", roles=READERS,
                 problems=(401, 403, 404)),
    ]  # fmt: skip
