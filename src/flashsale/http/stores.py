"""Stores over JSON: the operator's side and the public list.

    GET|POST /api/v1/admin/stores                 GET /api/v1/admin/stores/{code}
    PUT      /api/v1/admin/stores/{code}/clerks   {clerks: [staff id or email]}
    GET|POST /api/v1/admin/stores/{code}/tills    (POST answers the till's token, once)
    DELETE   /api/v1/admin/stores/{code}/tills/{till_id}
    GET      /api/v1/stores?market=IN             (public: name, address, hours, pickup)

Who: the admin token or an admin; supervisors manage stores and tills; clerks may read them.
"""

from __future__ import annotations

from typing import Protocol

from pydantic import Field
from starlette.requests import Request
from starlette.responses import Response

from flashsale.http.edge import Line
from flashsale.http.endpoints import V1, Endpoint
from flashsale.http.requests import read_json
from flashsale.http.responses import json_response
from flashsale.http.schemas.base import RequestBody
from flashsale.http.schemas.pickup import (
    PickupStoreListOut,
    PickupStoreOut,
    PickupStoreQuery,
    StoreDeliveryListOut,
    StoreDeliveryOut,
)
from flashsale.http.schemas.stores import (
    PublicStoreListOut,
    PublicStoreOut,
    StoreIn,
    StoreListOut,
    StoreOut,
    StoreQuery,
    TillCreatedOut,
    TillIn,
    TillListOut,
    TillOut,
)
from flashsale.stores.domain.store import MAX_CLERKS
from flashsale.stores.service.assembly import Stores
from flashsale.stores.service.directory import StoreSpec
from flashsale.stores.service.pickup import ClickAndCollect
from flashsale.stores.service.pickups import StorePickups

MANAGERS = ("supervisor",)
WAREHOUSE = ("supervisor", "warehouse")
READERS = ("supervisor", "clerk")


class ClerksIn(RequestBody):
    clerks: list[Line] = Field(max_length=MAX_CLERKS, description="Staff ids or emails.")


class StoreServices(Protocol):
    @property
    def stores(self) -> Stores: ...

    @property
    def pickups(self) -> StorePickups: ...

    @property
    def pickup(self) -> ClickAndCollect: ...


class StoresApi:
    def __init__(self, services: StoreServices) -> None:
        self._services = services

    @property
    def _s(self) -> Stores:
        return self._services.stores

    async def add_store(self, request: Request) -> Response:
        body = await read_json(request, StoreIn)
        made = await self._s.directory.add(
            StoreSpec(
                code=body.code,
                name=body.name,
                market=body.market,
                address=body.address,
                hours={str(day): span for day, span in body.hours.items()},
                timezone=body.timezone,
                pickup=body.pickup,
                pickup_days=body.pickup_days,
                ships_online=body.ships_online,
                pickup_by_transfer=body.pickup_by_transfer,
                transfer_days=body.transfer_days,
                clerks=body.clerks,
                latitude=body.latitude,
                longitude=body.longitude,
            )
        )
        return json_response(StoreOut.of(made), 201)

    async def stores(self, request: Request) -> Response:
        query = StoreQuery.of(request.query_params)
        found = await self._s.directory.all(query.market)
        return json_response(StoreListOut(stores=[StoreOut.of(s) for s in found]))

    async def store(self, request: Request) -> Response:
        return json_response(StoreOut.of(await self._s.directory.get(request.path_params["code"])))

    async def put_clerks(self, request: Request) -> Response:
        body = await read_json(request, ClerksIn)
        changed = await self._s.directory.put_clerks(request.path_params["code"], body.clerks)
        return json_response(StoreOut.of(changed))

    async def add_till(self, request: Request) -> Response:
        body = await read_json(request, TillIn, optional=True)
        till, token = await self._s.tills.add(request.path_params["code"], body.name)
        return json_response(TillCreatedOut(**TillOut.of(till).model_dump(), token=token), 201)

    async def tills(self, request: Request) -> Response:
        store = await self._s.directory.get(request.path_params["code"])
        found = await self._s.tills.of_store(store.code)
        return json_response(TillListOut(tills=[TillOut.of(t) for t in found]))

    async def transfers_leaving(self, request: Request) -> Response:
        code = request.path_params["code"]
        found = await self._services.pickups.transfers.leaving(code)
        return json_response(
            StoreDeliveryListOut(
                location=code.strip().upper(), deliveries=[StoreDeliveryOut.of(d) for d in found]
            )
        )

    async def revoke_till(self, request: Request) -> Response:
        till = await self._s.tills.revoke(
            request.path_params["code"], request.path_params["till_id"]
        )
        return json_response(TillOut.of(till))

    async def public_stores(self, request: Request) -> Response:
        query = PickupStoreQuery.of(request.query_params)
        if query.sku is not None:  # click & collect: the stores that can hand it over now
            can = await self._services.pickup.stores_for(query.market, query.sku, query.quantity)
            return json_response(
                PickupStoreListOut(
                    market=query.market.upper(), stores=[PickupStoreOut.of_pickup(s) for s in can]
                )
            )
        found = [s for s in await self._s.directory.all(query.market) if s.location.active]
        return json_response(
            PublicStoreListOut(
                market=query.market.upper(), stores=[PublicStoreOut.of(s) for s in found]
            )
        )


def endpoints(services: StoreServices) -> list[Endpoint]:
    api = StoresApi(services)
    tag = "stores"
    admin = f"{V1}/admin/stores"
    return [
        Endpoint("GET", admin, api.stores, "Stores, by code", tag, response=StoreListOut,
                 auth="admin", roles=READERS, query=StoreQuery, problems=(401, 403)),
        Endpoint("POST", admin, api.add_store,
                 "Add a store: a location of kind store, its hours, pickup and clerks", tag, 201,
                 body=StoreIn, response=StoreOut, auth="admin", roles=MANAGERS,
                 problems=(401, 403, 409, 422)),
        Endpoint("GET", f"{admin}/{{code}}", api.store, "One store", tag, response=StoreOut,
                 auth="admin", roles=READERS, problems=(401, 403, 404)),
        Endpoint("PUT", f"{admin}/{{code}}/clerks", api.put_clerks,
                 "Set a store's clerks (staff with the role clerk)", tag, body=ClerksIn,
                 response=StoreOut, auth="admin", roles=MANAGERS,
                 problems=(401, 403, 404, 409, 422)),
        Endpoint("GET", f"{admin}/{{code}}/tills", api.tills, "A store's tills, revoked too", tag,
                 response=TillListOut, auth="admin", roles=READERS, problems=(401, 403, 404)),
        Endpoint("POST", f"{admin}/{{code}}/tills", api.add_till,
                 "Add a till: its token is in this answer and nowhere else", tag, 201,
                 body=TillIn, body_optional=True, response=TillCreatedOut, auth="admin",
                 roles=MANAGERS, problems=(401, 403, 404, 422)),
        Endpoint("DELETE", f"{admin}/{{code}}/tills/{{till_id}}", api.revoke_till,
                 "Revoke a till: its token stops working for good", tag, response=TillOut,
                 auth="admin", roles=MANAGERS, problems=(401, 403, 404)),
        Endpoint("GET", f"{V1}/admin/locations/{{code}}/transfers", api.transfers_leaving,
                 "The pickups waiting to leave a DC for their stores, gathered by store (one"
                 " delivery each, with what to pick for it)", tag,
                 response=StoreDeliveryListOut, auth="admin", roles=WAREHOUSE,
                 problems=(401, 403, 404)),
        Endpoint("GET", f"{V1}/stores", api.public_stores,
                 "A market's stores; with sku (and quantity), only those that can hand it over"
                 " now, with the units free", tag,
                 response=PublicStoreListOut, query=PickupStoreQuery, problems=(422,)),
    ]  # fmt: skip
