"""POST /api/v1/sales/{sale_id}/purchases as a bare ASGI app inside the Starlette router.

At the opening second nearly every request is this one, so it skips what the other handlers
pay for convenience: Starlette's Request object and its per-request exception wrapper, and a
validated response model (every field of the answer comes from an Order the domain checked).
Routing, the app's exception handlers (problem+json) and the OpenAPI entry stay shared with
every other endpoint. Measured: benchmarks/README.md ("Where a purchase's time goes").
"""

from __future__ import annotations

from typing import Protocol

import orjson
from starlette.types import Receive, Scope, Send

from flashsale.customers.accounts import Accounts
from flashsale.http.admission import admit_purchase
from flashsale.http.guards import refuse_staff_token
from flashsale.http.requests import bearer_token_of, parse_json, receive_body
from flashsale.http.responses import send_created
from flashsale.http.schemas.sales import PurchaseIn
from flashsale.kernel.errors import AuthenticationFailed
from flashsale.orders.domain.order import Order
from flashsale.sales.service.purchasing import Purchasing
from flashsale.staff.service import StaffDirectory
from flashsale.waiting_room.service.room import WaitingRoom


def purchase_json(order: Order) -> bytes:
    """``PurchaseOut.of(order).model_dump_json()``, byte for byte, at a fifth of its cost.

    Building the model validates fields the domain has already checked; the unit tests hold
    the two spellings equal.
    """
    return orjson.dumps(
        {
            "order_id": order.id,
            "sale_id": order.sale_id,
            "status": order.status.value,
            "quantity": order.quantity,
            "amount": str(order.amount.amount),
            "currency": order.amount.currency,
            "expires_at": order.expires_at,
        },
        option=orjson.OPT_UTC_Z,
    )


class PurchaseServices(Protocol):
    accounts: Accounts
    purchasing: Purchasing
    room: WaitingRoom
    staff: StaffDirectory


class PurchaseEndpoint:
    def __init__(self, services: PurchaseServices) -> None:
        self._accounts = services.accounts
        self._purchasing = services.purchasing
        self._room = services.room
        self._staff = services.staff

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        authorization = content_type = content_length = key = None
        for name, value in scope["headers"]:
            if name == b"authorization":
                authorization = value.decode("latin-1")
            elif name == b"content-type":
                content_type = value.decode("latin-1")
            elif name == b"content-length":
                content_length = value.decode("latin-1")
            elif name == b"idempotency-key":
                key = value.decode("latin-1")
        try:
            customer_id = self._accounts.customer_id_of(bearer_token_of(authorization))
        except AuthenticationFailed:  # free until raised: a buyer's request pays nothing
            refuse_staff_token(self._staff, authorization)
            raise
        # The body is read and checked before the single-use admission is spent: a malformed
        # request must not cost the buyer their turn.
        body = await receive_body(receive, content_length)
        quantity = parse_json(body, content_type, PurchaseIn, optional=True).quantity
        await admit_purchase(self._room, scope, customer_id)  # one set lookup without a room
        sale_id = scope["path_params"]["sale_id"]
        result = await self._purchasing.purchase(customer_id, sale_id, quantity, key)
        order = result.order
        location = f"/api/v1/orders/{order.id}"
        await send_created(send, purchase_json(order), location, replayed=result.replayed)
