"""Signing up and logging in over JSON: a session token for the customer's calls.

Both are limited per client address and per account (429 with Retry-After), and answered 503
(busy) when the password hashing is at its bound.
"""

from __future__ import annotations

from typing import Protocol

from starlette.requests import Request
from starlette.responses import Response

from flashsale.customers.accounts import Accounts
from flashsale.http.admission import client_address
from flashsale.http.endpoints import V1, Endpoint
from flashsale.http.requests import read_json
from flashsale.http.responses import json_response
from flashsale.http.schemas.customers import CustomerIn, CustomerOut, SessionIn, SessionOut


class CustomerServices(Protocol):
    accounts: Accounts


class CustomersApi:
    def __init__(self, services: CustomerServices) -> None:
        self._accounts = services.accounts

    async def sign_up(self, request: Request) -> Response:
        body = await read_json(request, CustomerIn)
        customer = await self._accounts.sign_up(
            body.email, body.password, body.market, address=client_address(request)
        )
        return json_response(CustomerOut.of(customer), 201)

    async def log_in(self, request: Request) -> Response:
        body = await read_json(request, SessionIn)
        token = await self._accounts.log_in(
            body.email, body.password, address=client_address(request)
        )
        customer_id = self._accounts.customer_id_of(token)
        return json_response(SessionOut(token=token, customer_id=customer_id))


def endpoints(services: CustomerServices) -> list[Endpoint]:
    api = CustomersApi(services)
    return [
        Endpoint(
            "POST",
            f"{V1}/customers",
            api.sign_up,
            "Sign up",
            "customers",
            201,
            body=CustomerIn,
            response=CustomerOut,
            problems=(409, 422, 429, 503),
        ),
        Endpoint(
            "POST",
            f"{V1}/sessions",
            api.log_in,
            "Log in",
            "customers",
            body=SessionIn,
            response=SessionOut,
            problems=(401, 422, 429, 503),
        ),
    ]
