"""Who may call an endpoint, enforced from what it declares (``Endpoint.auth``, ``roles``).

``guarded`` puts every request-handler endpoint of the table behind its guard
(``asgi.create_app``), so what the OpenAPI document says and what the server does are one table:

- an operator's endpoint (auth "admin" or "staff") lets through the admin token (where "admin")
  or the session of an active staff member holding an accepted role, and leaves the operator on
  the request for its handler (``callers.operator_of``). A staff session that ended or expired is
  401 (log in again); a customer's session, or any other token, 403.
- a customer's endpoint answers a staff token 403 rather than the 401 of a token it cannot read:
  the caller is known, and is not a customer. This is asked only once the customer check has
  failed, so a customer's request pays nothing for it; the bare purchase endpoint, an ASGI app,
  asks it itself (``refuse_staff_token``).

An endpoint served bare (an ASGI app, such as the till's sale: pos_sale_endpoint.py) is guarded
the same way from its raw headers, the operator left in the request's scope for it.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable
from dataclasses import replace
from typing import Protocol, cast

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from flashsale.customers.accounts import Accounts
from flashsale.http.callers import remember_operator, remember_operator_in
from flashsale.http.endpoints import Endpoint, Handler
from flashsale.http.requests import bearer_token_of, header_of
from flashsale.kernel.errors import AuthenticationFailed, Forbidden
from flashsale.kernel.keys import same_secret
from flashsale.staff.model import SUPERUSER, Operator, may
from flashsale.staff.service import StaffDirectory


class GuardServices(Protocol):
    accounts: Accounts
    staff: StaffDirectory

    @property
    def admin_token(self) -> str: ...


def refuse_staff_token(staff: StaffDirectory, authorization: str | None) -> None:
    """403 when the bearer token of ``authorization`` is a staff token, live or not."""
    if authorization is None:
        return
    try:
        token = bearer_token_of(authorization)
    except AuthenticationFailed:
        return
    if staff.recognises(token):
        raise Forbidden("a staff token is not a customer session")


class Guards:
    def __init__(self, services: GuardServices) -> None:
        self._accounts = services.accounts
        self._staff = services.staff
        self._admin_token = services.admin_token

    def guard(self, endpoint: Endpoint) -> Endpoint:
        if endpoint.auth == "none":
            return endpoint
        if not (inspect.isfunction(endpoint.handler) or inspect.ismethod(endpoint.handler)):
            if endpoint.auth == "customer":
                return endpoint  # a bare ASGI endpoint refuses staff tokens itself
            app = _OperatorApp(self, endpoint)
            return replace(endpoint, handler=app, name=endpoint.operation_id)
        handler = cast(Handler, endpoint.handler)
        if endpoint.auth == "customer":

            async def customer_route(request: Request) -> Response:
                try:
                    return await handler(request)
                except AuthenticationFailed:
                    refuse_staff_token(self._staff, request.headers.get("authorization"))
                    raise

            return replace(endpoint, handler=customer_route, name=endpoint.operation_id)

        async def operator_route(request: Request) -> Response:
            authorization = request.headers.get("authorization")
            remember_operator(request, await self.operator(authorization, endpoint))
            return await handler(request)

        return replace(endpoint, handler=operator_route, name=endpoint.operation_id)

    async def operator(self, authorization: str | None, endpoint: Endpoint) -> Operator:
        """The admin token's superuser or the staff member calling; raises otherwise."""
        token = bearer_token_of(authorization)
        if endpoint.auth == "admin" and same_secret(token, self._admin_token):
            return SUPERUSER
        try:
            member = await self._staff.member_of(token)
        except AuthenticationFailed:
            if self._staff.recognises(token):
                raise  # a staff session that ended: log in again
            raise self._not_an_operator(token, endpoint) from None
        accepted = endpoint.accepted_roles
        if accepted and not may(member, accepted):
            raise Forbidden(f"this needs a staff member with the role {' or '.join(accepted)}")
        return member

    def _not_an_operator(self, token: str, endpoint: Endpoint) -> Forbidden:
        try:
            self._accounts.customer_id_of(token)
        except AuthenticationFailed:
            pass
        else:
            return Forbidden("a customer session is not a staff token")
        if endpoint.auth == "admin":
            return Forbidden(
                "this needs the admin token, or a staff session with the role"
                f" {' or '.join(endpoint.accepted_roles)}"
            )
        return Forbidden("this needs a staff session")


class _OperatorApp:
    """A bare operator's endpoint behind its guard. An object, not a function: Starlette's
    ``Route`` serves a function as a request handler and anything else as an ASGI app."""

    def __init__(self, guards: Guards, endpoint: Endpoint) -> None:
        self._guards = guards
        self._endpoint = endpoint
        self._app = cast(ASGIApp, endpoint.handler)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        authorization = header_of(scope, b"authorization")
        remember_operator_in(scope, await self._guards.operator(authorization, self._endpoint))
        await self._app(scope, receive, send)


def guarded(endpoints: Iterable[Endpoint], services: GuardServices) -> list[Endpoint]:
    guards = Guards(services)
    return [guards.guard(endpoint) for endpoint in endpoints]
