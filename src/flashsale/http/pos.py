"""The point of sale over JSON, for the tills:

    POST /api/v1/pos/sales                     {lines, payment, customer_email?} + Idempotency-Key
    GET  /api/v1/pos/sales/{sale_id}           (the receipt again, this store's only)
    POST /api/v1/pos/sales/{sale_id}/returns   {lines, restock}
    GET  /api/v1/pos/availability?sku=         (the endless aisle)
    GET  /api/v1/pos/transfers                 (pickups on their way here from a DC)
    POST /api/v1/pos/transfers/{order_id}/receive

Every call carries two credentials: ``Authorization: Bearer <staff session>`` of a clerk who
logged in with the staff log-in (the guard checks it and the role, ``http/guards.py``), and
``Till-Token: <token>`` of the till, checked here (``stores/service/session.py``): a missing,
unknown or revoked till token is 401, a clerk of another store 403.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Protocol

import orjson
from starlette.requests import Request
from starlette.responses import Response

from flashsale.config import Settings
from flashsale.http.callers import operator_of
from flashsale.http.endpoints import V1, Endpoint, Header
from flashsale.http.pos_sale_endpoint import PosSaleEndpoint
from flashsale.http.requests import read_json
from flashsale.http.responses import JSON, json_response
from flashsale.http.schemas.pickup import CollectedOut, PickupOut, TransferListOut, TransferOut
from flashsale.http.schemas.stores import (
    AvailabilityOut,
    AvailabilityQuery,
    PosReturnIn,
    PosReturnOut,
    PosSaleIn,
    ReceiptOut,
)
from flashsale.inventory.domain.location import Location
from flashsale.kernel.errors import AuthenticationFailed, Forbidden
from flashsale.kernel.money import Money
from flashsale.staff.model import Operator, StaffMember
from flashsale.stores.domain.receipt import format_money, local_time, receipt_path
from flashsale.stores.domain.sale import PosSale, TenderMethod
from flashsale.stores.service.assembly import Stores
from flashsale.stores.service.pickups import StorePickups
from flashsale.stores.service.selling import MAX_KEY, SaleOutcome, SaleRequest
from flashsale.stores.service.session import PosCaller

TILL_HEADER = "Till-Token"
CLERKS = ("clerk", "supervisor")
TILL = Header(TILL_HEADER, "The till's token (issued once when the till was added).", required=True)
KEY = Header(
    "Idempotency-Key",
    "Required: a sale retried with the same key answers with the receipt of the first.",
    {"type": "string", "minLength": 1, "maxLength": MAX_KEY},
    required=True,
)
REPLAYED = Header(
    "Idempotent-Replayed",
    "Present when the Idempotency-Key was seen before: the receipt is the one stored then.",
    {"type": "string", "const": "true"},
)


def _money(money: Money, locale: str) -> dict[str, str]:
    return {
        "amount": str(money.amount),
        "currency": money.currency,
        "text": format_money(money, locale),
    }


def receipt_json(sale: PosSale, store: Location, locale: str, url: str) -> bytes:
    """``ReceiptOut.of(...).model_dump_json()``, byte for byte, at a fraction of its cost.

    Every field comes from a sale the domain checked and the store's own location, so the
    model's validation adds nothing; a till's every sale is answered with this (the unit tests
    hold the two spellings equal).
    """
    tender = sale.tender
    return orjson.dumps(
        {
            "sale_id": sale.id,
            "receipt_number": sale.receipt_number,
            "store": {"code": store.code, "name": store.name, "address": store.address},
            "till_id": sale.till_id,
            "clerk_id": sale.clerk_id,
            "created_at": sale.created_at,
            "local_time": local_time(sale, store.timezone),
            "lines": [
                {
                    "sku": line.sku,
                    "quantity": line.quantity,
                    "returned": line.returned,
                    "unit_price": _money(line.unit_price, locale),
                    "total": _money(line.total, locale),
                }
                for line in sale.lines
            ],
            "total": _money(sale.total, locale),
            "payment": {
                "method": tender.method.value,
                "tendered": _money(tender.tendered, locale),
                "change": _money(tender.change, locale),
                "card_last4": tender.card_last4,
            },
            "customer_email": sale.customer_email,
            "receipt_url": url,
        },
        option=orjson.OPT_UTC_Z,
    )


class PosServices(Protocol):
    settings: Settings

    @property
    def stores(self) -> Stores: ...

    @property
    def pickups(self) -> StorePickups: ...


class PosApi:
    def __init__(self, services: PosServices) -> None:
        self._services = services

    @property
    def _s(self) -> Stores:
        return self._services.stores

    async def caller(self, request: Request) -> PosCaller:
        return await self.at_till(operator_of(request), request.headers.get(TILL_HEADER.lower()))

    async def at_till(self, clerk: Operator | None, till_token: str | None) -> PosCaller:
        """The guard's operator at the till whose ``Till-Token`` header this is."""
        if not isinstance(clerk, StaffMember):  # the guard lets only staff sessions through
            raise Forbidden("the point of sale needs a clerk's staff session")
        if not till_token:
            raise AuthenticationFailed(f"the point of sale needs the till's {TILL_HEADER} header")
        return await self._s.sessions.open(till_token.strip(), clerk)

    async def receipt(self, sale: PosSale) -> bytes:
        # The store's location and market as the sale itself read them, kept a few seconds.
        loc, market = await self._s.pos.where(sale.store_code)
        base = self._services.settings.public_url.rstrip("/")
        return receipt_json(sale, loc, market.locale, f"{base}{receipt_path(sale.id)}")

    async def sell(self, caller: PosCaller, body: PosSaleIn, key: str | None) -> SaleOutcome:
        payment = body.payment
        return await self._s.pos.sell(
            caller,
            SaleRequest(
                lines=[(x.sku, x.quantity) for x in body.lines],
                method=TenderMethod(payment.method),
                tendered=None if payment.tendered is None else Decimal(payment.tendered),
                card=payment.card,
                customer_email=body.customer_email,
            ),
            key,
        )

    async def sale(self, request: Request) -> Response:
        caller = await self.caller(request)
        found = await self._s.pos.sale(request.path_params["sale_id"], caller.store_code)
        return Response(await self.receipt(found), media_type=JSON)

    async def take_back(self, request: Request) -> Response:
        caller = await self.caller(request)
        body = await read_json(request, PosReturnIn)
        sale_id = request.path_params["sale_id"]
        ret = await self._s.returns.take_back(
            caller, sale_id, [(x.sku, x.quantity) for x in body.lines], body.restock
        )
        sale = await self._s.pos.sale(sale_id)
        _, market = await self._s.pos.market_of(sale.store_code)
        return json_response(PosReturnOut.of(ret, sale.tender.method.value, market.locale), 201)

    async def availability(self, request: Request) -> Response:
        caller = await self.caller(request)
        query = AvailabilityQuery.of(request.query_params)
        aisle = await self._s.availability.of(caller.store_code, query.sku)
        return json_response(AvailabilityOut.of(aisle))

    async def pickup_ready(self, request: Request) -> Response:
        caller = await self.caller(request)
        pickup = await self._services.pickups.ready(
            caller.store_code, caller.clerk.id, request.path_params["order_id"]
        )
        return json_response(PickupOut.of(pickup), 201)

    async def pickup_collect(self, request: Request) -> Response:
        caller = await self.caller(request)
        collected = await self._services.pickups.collect(
            caller.store_code, caller.clerk.id, request.path_params["code"]
        )
        return json_response(CollectedOut.of(collected))

    async def transfers(self, request: Request) -> Response:
        caller = await self.caller(request)
        found = await self._services.pickups.transfers.pending(caller.store_code)
        return json_response(TransferListOut(transfers=[TransferOut.of(fo) for fo in found]))

    async def transfer_receive(self, request: Request) -> Response:
        caller = await self.caller(request)
        received = await self._services.pickups.transfers.receive(
            caller.store_code, caller.clerk.id, request.path_params["order_id"]
        )
        return json_response(TransferOut.of(received))


def endpoints(services: PosServices) -> list[Endpoint]:
    api = PosApi(services)
    tag = "pos"
    sales = f"{V1}/pos/sales"
    return [
        Endpoint("POST", sales, PosSaleEndpoint(api),
                 "Sell at a till: priced, paid, numbered, and taken from the store's shelf in"
                 " one transaction", tag, 201, body=PosSaleIn, response=ReceiptOut, auth="staff",
                 roles=CLERKS, headers=(TILL, KEY), response_headers=(REPLAYED,),
                 problems=(401, 402, 403, 409, 422, 503), hot=True, name="sell"),
        Endpoint("GET", f"{sales}/{{sale_id}}", api.sale, "A receipt of this store again", tag,
                 response=ReceiptOut, auth="staff", roles=CLERKS, headers=(TILL,),
                 problems=(401, 403, 404)),
        Endpoint("POST", f"{sales}/{{sale_id}}/returns", api.take_back,
                 "Take units of a sale back: restocked or written off, refunded to its tender",
                 tag, 201, body=PosReturnIn, response=PosReturnOut, auth="staff", roles=CLERKS,
                 headers=(TILL,), problems=(401, 403, 404, 409, 422, 503)),
        Endpoint("GET", f"{V1}/pos/availability", api.availability,
                 "The endless aisle: free units at the market's other stores and on the web",
                 tag, response=AvailabilityOut, auth="staff", roles=CLERKS, query=AvailabilityQuery,
                 headers=(TILL,), problems=(401, 403, 404, 422)),
        Endpoint("POST", f"{V1}/pos/pickups/{{order_id}}/ready", api.pickup_ready,
                 "Click & collect: set an order allocated to this store aside; answers its code",
                 tag, 201, response=PickupOut, auth="staff", roles=CLERKS, headers=(TILL,),
                 problems=(401, 403, 404, 409)),
        Endpoint("POST", f"{V1}/pos/pickups/{{code}}/collect", api.pickup_collect,
                 "Click & collect: hand the order over on its code (5 wrong codes a minute per"
                 " store, then 429)", tag, response=CollectedOut, auth="staff", roles=CLERKS,
                 headers=(TILL,), problems=(401, 403, 404, 409, 429)),
        Endpoint("GET", f"{V1}/pos/transfers", api.transfers,
                 "Click & collect: the pickups on their way to this store from a DC", tag,
                 response=TransferListOut, auth="staff", roles=CLERKS, headers=(TILL,),
                 problems=(401, 403)),
        Endpoint("POST", f"{V1}/pos/transfers/{{order_id}}/receive", api.transfer_receive,
                 "Click & collect: a pickup's parcel from the DC arrived; it goes on the shelf",
                 tag, response=TransferOut, auth="staff", roles=CLERKS, headers=(TILL,),
                 problems=(401, 403, 404, 409)),
    ]  # fmt: skip
