"""An operator's endpoint served bare (an ASGI app, such as the till's sale) is guarded from its
raw headers as a request handler is, and finds the operator in its scope."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import cast

import pytest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from flashsale.http.callers import operator_in
from flashsale.http.endpoints import Endpoint
from flashsale.http.guards import GuardServices, guarded
from flashsale.kernel.errors import AuthenticationFailed, Forbidden
from flashsale.staff.model import Operator, Role, StaffMember

CLERK = StaffMember(
    "stf_clerk", "clerk@shop.example", "-", frozenset({Role.CLERK}), frozenset(), (),
    datetime(2017, 5, 20, tzinfo=UTC),
)  # fmt: skip
AGENT = StaffMember(
    "stf_agent", "agent@shop.example", "-", frozenset({Role.AGENT}), frozenset(), (),
    datetime(2017, 5, 20, tzinfo=UTC),
)  # fmt: skip
MEMBERS = {"staff-clerk": CLERK, "staff-agent": AGENT}


class Accounts:
    def customer_id_of(self, token: str) -> str:
        if token == "customer-session":
            return "cus_1"
        raise AuthenticationFailed("not a customer session")


class Staff:
    async def member_of(self, token: str) -> StaffMember:
        if token in MEMBERS:
            return MEMBERS[token]
        raise AuthenticationFailed("not a live staff session")

    def recognises(self, token: str) -> bool:
        return token.startswith("staff-")


class Services:
    """What the guard reads: a customer's and a staff member's tokens told apart."""

    accounts = Accounts()
    staff = Staff()
    admin_token = "admin-token-0123456789abcdef"


class Sale:
    """A bare app that answers with the operator its guard let through."""

    def __init__(self) -> None:
        self.seen: list[Operator | None] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.seen.append(operator_in(scope))


async def call(endpoint: Endpoint, authorization: str | None) -> None:
    headers = [] if authorization is None else [(b"authorization", authorization.encode())]
    scope: Scope = {"type": "http", "method": "POST", "path": endpoint.path, "headers": headers}

    async def receive() -> Message:
        return {"type": "http.request", "body": b""}

    async def send(message: Message) -> None:
        return None

    await cast(ASGIApp, endpoint.handler)(scope, receive, send)


def sale_endpoint(app: Sale) -> Endpoint:
    endpoint = Endpoint("POST", "/api/v1/pos/sales", app, "Sell", "pos", 201, auth="staff",
                        roles=("clerk",), name="sell")  # fmt: skip
    (guarded_endpoint,) = guarded([endpoint], cast(GuardServices, Services()))
    return guarded_endpoint


async def test_a_clerk_passes_and_the_bare_app_finds_them_in_its_scope() -> None:
    app = Sale()
    endpoint = sale_endpoint(app)
    await call(endpoint, "Bearer staff-clerk")
    assert app.seen == [CLERK]
    assert endpoint.operation_id == "sell"


@pytest.mark.parametrize(
    ("authorization", "refusal"),
    [
        (None, AuthenticationFailed),  # no session at all
        ("Basic abc", AuthenticationFailed),
        ("Bearer staff-ended", AuthenticationFailed),  # a staff session that ended
        ("Bearer staff-agent", Forbidden),  # staff, without the role
        ("Bearer customer-session", Forbidden),
        (f"Bearer {Services.admin_token}", Forbidden),  # "staff": the admin token has no session
    ],
)
async def test_anyone_else_is_refused_before_the_bare_app_runs(
    authorization: str | None, refusal: type[Exception]
) -> None:
    app = Sale()
    with pytest.raises(refusal):
        await call(sale_endpoint(app), authorization)
    assert app.seen == []
