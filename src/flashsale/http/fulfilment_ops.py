"""The warehouse's work after allocation over HTTP (the operator's side):

    POST /api/v1/admin/locations/{code}/waves        {max_orders?}: cut a wave
    GET  /api/v1/admin/waves?location=               GET /api/v1/admin/waves/{id}
    GET  /api/v1/admin/waves/{id}/pick-list.pdf      GET /api/v1/admin/waves/{id}/packing-slips.pdf
    POST /api/v1/admin/waves/{id}/shipments          JSON, or CSV fulfilment_order,carrier,tracking
    POST /api/v1/admin/fulfilment-orders/{id}/pack|ship|deliver
    POST /api/v1/admin/fulfilment/deliveries         what the carrier has delivered, now
    POST /api/v1/orders/{id}/returns {quantity, reason}   (the customer)
    POST /api/v1/orders/{id}/returns/{return_id}/cancel   (the customer, before receipt)
    GET  /api/v1/admin/returns?status=
    POST /api/v1/admin/returns/{id}/approve|decline|receive {location, resellable}

Who: the admin token or an admin; supervisors and the warehouse; a customer for their own
returns.
"""

from __future__ import annotations

from typing import Protocol

from starlette.requests import Request
from starlette.responses import Response

from flashsale.fulfilment.domain.returns import ReturnStatus
from flashsale.fulfilment.domain.shipments import ShipmentRequest, read_shipments_csv
from flashsale.fulfilment.service.operations import Operations
from flashsale.http.callers import Callers, CallerServices, operator_of
from flashsale.http.endpoints import V1, Endpoint
from flashsale.http.requests import read_json, receive_body
from flashsale.http.responses import json_response
from flashsale.http.schemas.fulfilment import FulfilmentOrderOut
from flashsale.http.schemas.fulfilment_ops import (
    DeliveredOut,
    ParcelListOut,
    ParcelOut,
    ReceiveIn,
    ReturnIn,
    ReturnListOut,
    ReturnOut,
    ReturnQuery,
    ShipIn,
    ShipmentsIn,
    WaveIn,
    WaveListOut,
    WaveOut,
    WaveQuery,
    WaveSummaryOut,
)
from flashsale.kernel.errors import InvalidInput, NotFound
from flashsale.staff.model import StaffMember

WAREHOUSE = ("supervisor", "warehouse")
READERS = ("supervisor", "warehouse", "agent", "clerk")
PDF = "application/pdf"


class OperationsServices(CallerServices, Protocol):
    @property
    def fulfilment_ops(self) -> Operations: ...


class OperationsApi:
    def __init__(self, services: OperationsServices) -> None:
        self._services = services
        self._callers = Callers(services)

    @property
    def _ops(self) -> Operations:
        return self._services.fulfilment_ops

    def _actor(self, request: Request) -> str:
        self._callers.require_admin(request)
        operator = operator_of(request)
        return f"staff:{operator.id}" if isinstance(operator, StaffMember) else "admin"

    async def cut_wave(self, request: Request) -> Response:
        actor = self._actor(request)
        body = await read_json(request, WaveIn, optional=True)
        wave = await self._ops.waves.cut(request.path_params["code"], body.max_orders, actor)
        return json_response(WaveOut.of(wave), 201)

    async def waves(self, request: Request) -> Response:
        query = WaveQuery.of(request.query_params)
        found = await self._ops.waves.listed(query.location, query.limit)
        return json_response(WaveListOut(waves=[WaveSummaryOut.of(w) for w in found]))

    async def wave(self, request: Request) -> Response:
        return json_response(WaveOut.of(await self._ops.waves.get(request.path_params["wave_id"])))

    async def pack(self, request: Request) -> Response:
        self._actor(request)
        fo = await self._ops.shipping.pack(request.path_params["fulfilment_order_id"])
        return json_response(FulfilmentOrderOut.of(fo))

    async def ship(self, request: Request) -> Response:
        actor = self._actor(request)
        body = await read_json(request, ShipIn, optional=True)
        shipment = await self._ops.shipping.ship(
            request.path_params["fulfilment_order_id"], body.carrier, body.tracking_number, actor
        )
        return json_response(ParcelOut.of(shipment), 201)

    async def deliver(self, request: Request) -> Response:
        actor = self._actor(request)
        shipment = await self._ops.shipping.deliver(
            request.path_params["fulfilment_order_id"], actor
        )
        return json_response(ParcelOut.of(shipment))

    async def ship_wave(self, request: Request) -> Response:
        actor = self._actor(request)
        if request.headers.get("content-type", "").startswith("text/csv"):
            raw = await receive_body(request.receive, request.headers.get("content-length"))
            try:
                text = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                raise InvalidInput("the CSV is not UTF-8") from None
            requests, unread = read_shipments_csv(text)
        else:
            unread = []
            body = await read_json(request, ShipmentsIn)
            requests = [
                (n, ShipmentRequest(row.fulfilment_order, row.carrier, row.tracking))
                for n, row in enumerate(body.shipments, start=1)
            ]
        shipped = await self._ops.shipping.ship_wave(
            request.path_params["wave_id"], requests, actor, unread
        )
        return json_response(ParcelListOut(shipments=[ParcelOut.of(x) for x in shipped]), 201)

    async def deliveries(self, request: Request) -> Response:
        self._actor(request)
        return json_response(DeliveredOut(delivered=await self._ops.shipping.deliver_due()))

    async def ask_return(self, request: Request) -> Response:
        customer_id = self._callers.customer(request)
        body = await read_json(request, ReturnIn)
        made = await self._ops.returns.request(
            customer_id, request.path_params["order_id"], body.quantity, body.reason
        )
        return json_response(ReturnOut.of(made), 201)

    async def cancel_return(self, request: Request) -> Response:
        customer_id = self._callers.customer(request)
        ret = await self._ops.returns.get(request.path_params["return_id"])
        if ret.order_id != request.path_params["order_id"]:
            raise NotFound(f"no return {ret.id} of this order")
        return json_response(ReturnOut.of(await self._ops.returns.cancel(customer_id, ret.id)))

    async def returns(self, request: Request) -> Response:
        query = ReturnQuery.of(request.query_params)
        status = ReturnStatus(query.status) if query.status else None
        found = await self._ops.returns.listed(status, query.limit)
        return json_response(ReturnListOut(returns=[ReturnOut.of(x) for x in found]))

    async def approve_return(self, request: Request) -> Response:
        actor = self._actor(request)
        done = await self._ops.returns.approve(request.path_params["return_id"], actor)
        return json_response(ReturnOut.of(done))

    async def decline_return(self, request: Request) -> Response:
        actor = self._actor(request)
        done = await self._ops.returns.decline(request.path_params["return_id"], actor)
        return json_response(ReturnOut.of(done))

    async def receive_return(self, request: Request) -> Response:
        actor = self._actor(request)
        body = await read_json(request, ReceiveIn)
        done = await self._ops.returns.receive(
            request.path_params["return_id"], body.location, body.resellable, actor
        )
        return json_response(ReturnOut.of(done))

    async def pick_list(self, request: Request) -> Response:
        wave_id = request.path_params["wave_id"]
        document = await self._ops.waves.pick_list(wave_id)
        return _pdf(document, f"pick-list-{wave_id}.pdf")

    async def packing_slips(self, request: Request) -> Response:
        wave_id = request.path_params["wave_id"]
        document = await self._ops.waves.packing_slips(wave_id)
        return _pdf(document, f"packing-slips-{wave_id}.pdf")


def _pdf(document: bytes, filename: str) -> Response:
    return Response(
        document,
        media_type=PDF,
        headers={"Content-Disposition": f'inline; filename="{filename[:120]}"'},
    )


def endpoints(services: OperationsServices) -> list[Endpoint]:
    api = OperationsApi(services)
    tag = "fulfilment"
    waves = f"{V1}/admin/waves"
    orders = f"{V1}/admin/fulfilment-orders"
    return [
        Endpoint("POST", f"{V1}/admin/locations/{{code}}/waves", api.cut_wave,
                 "Cut a wave: the location's allocated orders, oldest paid first, up to its"
                 " capacity for the coming hour, moved to picking", tag, 201, body=WaveIn,
                 body_optional=True, response=WaveOut, auth="admin", roles=WAREHOUSE,
                 problems=(401, 403, 404, 409, 422)),
        Endpoint("GET", waves, api.waves, "Waves, the newest first", tag,
                 response=WaveListOut, auth="admin", roles=WAREHOUSE, query=WaveQuery,
                 problems=(401, 403, 422)),
        Endpoint("GET", f"{waves}/{{wave_id}}", api.wave, "One wave, with its pick lines",
                 tag, response=WaveOut, auth="admin", roles=WAREHOUSE,
                 problems=(401, 403, 404)),
        Endpoint("GET", f"{waves}/{{wave_id}}/pick-list.pdf", api.pick_list,
                 "The wave's pick list (PDF): its units by SKU", tag, media_type=PDF,
                 auth="admin", roles=WAREHOUSE, problems=(401, 403, 404)),
        Endpoint("GET", f"{waves}/{{wave_id}}/packing-slips.pdf", api.packing_slips,
                 "The wave's packing slips (PDF): a page per order with its address and a"
                 " Code 39 barcode of the fulfilment order id", tag, media_type=PDF,
                 auth="admin", roles=WAREHOUSE, problems=(401, 403, 404)),
        Endpoint("POST", f"{waves}/{{wave_id}}/shipments", api.ship_wave,
                 "Ship a wave's parcels, all or none (JSON, or CSV fulfilment_order,carrier,"
                 "tracking): 422 naming the bad lines", tag, 201, body=ShipmentsIn,
                 response=ParcelListOut, auth="admin", roles=WAREHOUSE,
                 problems=(401, 403, 404, 409, 422)),
        Endpoint("POST", f"{orders}/{{fulfilment_order_id}}/pack", api.pack,
                 "Packed: picking -> packed", tag, response=FulfilmentOrderOut, auth="admin",
                 roles=WAREHOUSE, problems=(401, 403, 404, 409)),
        Endpoint("POST", f"{orders}/{{fulfilment_order_id}}/ship", api.ship,
                 "Shipped: packed -> shipped, the units out of the ledger, order.shipped", tag,
                 201, body=ShipIn, body_optional=True, response=ParcelOut, auth="admin",
                 roles=WAREHOUSE, problems=(401, 403, 404, 409, 422)),
        Endpoint("POST", f"{orders}/{{fulfilment_order_id}}/deliver", api.deliver,
                 "Delivered (the carrier's word, by hand): shipped -> delivered", tag,
                 response=ParcelOut, auth="admin", roles=WAREHOUSE,
                 problems=(401, 403, 404, 409)),
        Endpoint("POST", f"{V1}/admin/fulfilment/deliveries", api.deliveries,
                 "Record what the carrier has delivered by now", tag, response=DeliveredOut,
                 auth="admin", roles=WAREHOUSE, problems=(401, 403)),
        Endpoint("POST", f"{V1}/orders/{{order_id}}/returns", api.ask_return,
                 "Ask to return units of a delivered order (within the market's window)", tag,
                 201, body=ReturnIn, response=ReturnOut, auth="customer",
                 problems=(401, 404, 409, 422)),
        Endpoint("POST", f"{V1}/orders/{{order_id}}/returns/{{return_id}}/cancel",
                 api.cancel_return, "Withdraw a return before it is received", tag,
                 response=ReturnOut, auth="customer", problems=(401, 404, 409)),
        Endpoint("GET", f"{V1}/admin/returns", api.returns, "Returns, the oldest asked first",
                 tag, response=ReturnListOut, auth="admin", roles=READERS, query=ReturnQuery,
                 problems=(401, 403, 422)),
        Endpoint("POST", f"{V1}/admin/returns/{{return_id}}/approve", api.approve_return,
                 "Approve a return", tag, response=ReturnOut, auth="admin", roles=WAREHOUSE,
                 problems=(401, 403, 404, 409)),
        Endpoint("POST", f"{V1}/admin/returns/{{return_id}}/decline", api.decline_return,
                 "Decline a return", tag, response=ReturnOut, auth="admin", roles=WAREHOUSE,
                 problems=(401, 403, 404, 409)),
        Endpoint("POST", f"{V1}/admin/returns/{{return_id}}/receive", api.receive_return,
                 "Receive a return at a location (into stock, or written off) and refund its"
                 " units; again, nothing changes", tag, body=ReceiveIn, response=ReturnOut,
                 auth="admin", roles=WAREHOUSE, problems=(401, 403, 404, 409, 422)),
    ]  # fmt: skip
