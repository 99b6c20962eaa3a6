"""Signing up, logging in and out, and a new password over JSON: a session token for the
customer's calls.

What checks a password is limited per client address and per account (429 with Retry-After),
and answered 503 (busy) when the password hashing is at its bound. Logging out ends the
session on the server: its token is refused from then on, by every API process after its next
poll of the record (``session_revocation_poll_seconds``).
"""

from __future__ import annotations

from typing import Protocol

from starlette.requests import Request
from starlette.responses import Response

from flashsale.customers.accounts import Accounts
from flashsale.http.admission import client_address
from flashsale.http.callers import Callers
from flashsale.http.endpoints import V1, Endpoint
from flashsale.http.requests import bearer_token, read_json
from flashsale.http.responses import json_response
from flashsale.http.schemas.customers import CustomerIn, CustomerOut, SessionIn, SessionOut
from flashsale.http.schemas.passwords import PasswordChangeIn


class CustomerServices(Protocol):
    accounts: Accounts

    @property
    def admin_token(self) -> str: ...


class CustomersApi:
    def __init__(self, services: CustomerServices) -> None:
        self._accounts = services.accounts
        self._callers = Callers(services)

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

    async def log_out(self, request: Request) -> Response:
        await self._accounts.log_out(bearer_token(request))
        return Response(status_code=204)

    async def log_out_everywhere(self, request: Request) -> Response:
        await self._accounts.log_out_everywhere(self._callers.customer(request))
        return Response(status_code=204)

    async def change_password(self, request: Request) -> Response:
        customer_id = self._callers.customer(request)
        body = await read_json(request, PasswordChangeIn)
        token = await self._accounts.change_password(
            customer_id,
            body.current_password,
            body.new_password,
            address=client_address(request),
        )
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
        Endpoint(
            "DELETE",
            f"{V1}/sessions",
            api.log_out,
            "Log out: end this session",
            "customers",
            204,
            auth="customer",
            problems=(401,),
        ),
        Endpoint(
            "DELETE",
            f"{V1}/customers/me/sessions",
            api.log_out_everywhere,
            "Log out everywhere: end every session of this customer",
            "customers",
            204,
            auth="customer",
            problems=(401,),
        ),
        Endpoint(
            "PUT",
            f"{V1}/customers/me/password",
            api.change_password,
            "Change the password: every other session ends, a new one is returned",
            "customers",
            body=PasswordChangeIn,
            response=SessionOut,
            auth="customer",
            problems=(401, 403, 422, 429, 503),
        ),
    ]
