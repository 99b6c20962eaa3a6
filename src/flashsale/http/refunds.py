"""Refunds over JSON (the operator's side):

    POST /api/v1/admin/orders/{order_id}/refunds   {amount, reason} + Idempotency-Key
    GET  /api/v1/admin/orders/{order_id}/refunds
    POST /api/v1/admin/refunds/{refund_id}/approve

A refund made now answers 201, a retry with the same key 200 with the same refund; one above
the currency's approval limit answers 201 ``awaiting_approval`` until someone else approves it.
"""

from __future__ import annotations

from typing import Protocol

from starlette.requests import Request
from starlette.responses import Response

from flashsale.http.callers import Callers, CallerServices, operator_of
from flashsale.http.endpoints import V1, Endpoint, Header
from flashsale.http.requests import read_json
from flashsale.http.responses import json_response
from flashsale.http.schemas.refunds import RefundIn, RefundListOut, RefundOut
from flashsale.kernel.errors import InvalidInput
from flashsale.orders.domain.order import MAX_IDEMPOTENCY_KEY
from flashsale.orders.service.refunds import Refunds
from flashsale.staff.model import StaffMember

ADMIN_ACTOR = "admin"  # the admin token: the bootstrap superuser, no staff account behind it
# Who may give money back: the service desk too; who may approve a large refund: not an agent.
REFUNDERS = ("supervisor", "agent")
APPROVERS = ("supervisor",)


class RefundServices(CallerServices, Protocol):
    refunds: Refunds


class RefundsApi:
    def __init__(self, services: RefundServices) -> None:
        self._refunds = services.refunds
        self._callers = Callers(services)

    async def request_refund(self, request: Request) -> Response:
        actor = self._actor(request)
        key = request.headers.get("idempotency-key")
        if key is None:  # without one, a retry after a lost answer would refund twice
            raise InvalidInput(
                "a refund needs an Idempotency-Key header: a retry must not pay twice"
            )
        body = await read_json(request, RefundIn)
        refund, made = await self._refunds.request(
            request.path_params["order_id"], body.amount, body.reason, actor, key
        )
        return json_response(RefundOut.of(refund), 201 if made else 200)

    async def refunds_of_order(self, request: Request) -> Response:
        self._actor(request)
        found = await self._refunds.of_order(request.path_params["order_id"])
        return json_response(RefundListOut(refunds=[RefundOut.of(r) for r in found]))

    async def approve(self, request: Request) -> Response:
        actor = self._actor(request)
        refund = await self._refunds.approve(request.path_params["refund_id"], actor)
        return json_response(RefundOut.of(refund))

    def _actor(self, request: Request) -> str:
        """The operator as the record names them: four eyes compare these."""
        self._callers.require_admin(request)  # the endpoint's guard let them through
        operator = operator_of(request)
        if isinstance(operator, StaffMember):
            return f"staff:{operator.id}"
        return ADMIN_ACTOR


def endpoints(services: RefundServices) -> list[Endpoint]:
    api = RefundsApi(services)
    return [
        Endpoint(
            "POST",
            f"{V1}/admin/orders/{{order_id}}/refunds",
            api.request_refund,
            "Refund part or all of a paid order",
            "refunds",
            201,
            body=RefundIn,
            response=RefundOut,
            auth="admin",
            roles=REFUNDERS,
            also=(200,),
            headers=(
                Header(
                    "Idempotency-Key",
                    "Required: a retry with the same key answers with the refund made first.",
                    {"type": "string", "minLength": 1, "maxLength": MAX_IDEMPOTENCY_KEY},
                    required=True,
                ),
            ),
            problems=(401, 403, 404, 409, 422, 503),
        ),
        Endpoint(
            "GET",
            f"{V1}/admin/orders/{{order_id}}/refunds",
            api.refunds_of_order,
            "An order's refunds",
            "refunds",
            response=RefundListOut,
            auth="admin",
            roles=(*REFUNDERS, "clerk"),
            problems=(401, 403),
        ),
        Endpoint(
            "POST",
            f"{V1}/admin/refunds/{{refund_id}}/approve",
            api.approve,
            "Approve a refund above the approval limit (not by whoever asked for it)",
            "refunds",
            response=RefundOut,
            auth="admin",
            roles=APPROVERS,
            problems=(401, 403, 404, 409, 503),
        ),
    ]
