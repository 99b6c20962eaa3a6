"""A customer's address book over JSON (``/api/v1/me/addresses``): the shipping addresses they
keep for checkouts to come, held to the rules of an order's address. Another customer's address
answers 404, as another's order does; a full book answers 409."""

from __future__ import annotations

from typing import Protocol

from starlette.requests import Request
from starlette.responses import Response

from flashsale.customers.address_book import AddressBook
from flashsale.http.callers import Callers, CallerServices
from flashsale.http.endpoints import V1, Endpoint
from flashsale.http.requests import read_json
from flashsale.http.responses import json_response
from flashsale.http.schemas.addresses import ShippingAddressIn
from flashsale.http.schemas.saved_addresses import (
    SavedAddressIn,
    SavedAddressListOut,
    SavedAddressOut,
)

ADDRESSES = f"{V1}/me/addresses"


class AddressBookServices(CallerServices, Protocol):
    @property
    def address_book(self) -> AddressBook: ...


class AddressBookApi:
    def __init__(self, services: AddressBookServices) -> None:
        self._services = services
        self._callers = Callers(services)

    async def addresses(self, request: Request) -> Response:
        found = await self._services.address_book.addresses(self._callers.customer(request))
        return json_response(SavedAddressListOut(addresses=[SavedAddressOut.of(a) for a in found]))

    async def add(self, request: Request) -> Response:
        customer_id = self._callers.customer(request)
        body = await read_json(request, SavedAddressIn)
        book = self._services.address_book
        saved = await book.add(customer_id, body.fields(), default=body.default)
        return json_response(SavedAddressOut.of(saved), 201)

    async def replace(self, request: Request) -> Response:
        customer_id = self._callers.customer(request)
        body = await read_json(request, ShippingAddressIn)
        address_id = request.path_params["address_id"]
        saved = await self._services.address_book.replace(customer_id, address_id, body.fields())
        return json_response(SavedAddressOut.of(saved))

    async def remove(self, request: Request) -> Response:
        customer_id = self._callers.customer(request)
        await self._services.address_book.remove(customer_id, request.path_params["address_id"])
        return Response(status_code=204)

    async def make_default(self, request: Request) -> Response:
        customer_id = self._callers.customer(request)
        address_id = request.path_params["address_id"]
        saved = await self._services.address_book.make_default(customer_id, address_id)
        return json_response(SavedAddressOut.of(saved))


def endpoints(services: AddressBookServices) -> list[Endpoint]:
    api = AddressBookApi(services)
    return [
        Endpoint(
            "GET",
            ADDRESSES,
            api.addresses,
            "My saved shipping addresses, the default first",
            "customers",
            response=SavedAddressListOut,
            auth="customer",
            problems=(401,),
        ),
        Endpoint(
            "POST",
            ADDRESSES,
            api.add,
            "Save a shipping address (one saved already, line for line, is answered as it is)",
            "customers",
            status=201,
            body=SavedAddressIn,
            response=SavedAddressOut,
            auth="customer",
            problems=(401, 409, 422),
        ),
        Endpoint(
            "PUT",
            f"{ADDRESSES}/{{address_id}}",
            api.replace,
            "New lines for a saved address (the orders sent to it keep their own copy)",
            "customers",
            body=ShippingAddressIn,
            response=SavedAddressOut,
            auth="customer",
            problems=(401, 404, 422),
        ),
        Endpoint(
            "DELETE",
            f"{ADDRESSES}/{{address_id}}",
            api.remove,
            "Forget a saved address (the oldest left becomes the default if it was)",
            "customers",
            status=204,
            auth="customer",
            problems=(401, 404),
        ),
        Endpoint(
            "POST",
            f"{ADDRESSES}/{{address_id}}/default",
            api.make_default,
            "Make a saved address the default",
            "customers",
            response=SavedAddressOut,
            auth="customer",
            problems=(401, 404),
        ),
    ]
