"""POST /api/v1/pos/sales as a bare ASGI app inside the Starlette router.

On a store chain's busy day nearly every call of the tills is a sale, each arriving alone (200 a
second from 400 tills is one every 5 ms), so every sale pays the whole of a request's path with
nothing shared. It skips what the other handlers pay for convenience, as the purchase does
(purchase_endpoint.py): Starlette's Request and Response objects and their per-request
exception wrapper. The guard (the clerk's staff session and role, guards.py), routing, the
app's exception handlers (problem+json) and the OpenAPI entry stay shared with every other
endpoint; the till's token, the body's model and the receipt are the handlers' own (pos.py).
"""

from __future__ import annotations

from typing import Protocol

from starlette.types import Message, Receive, Scope, Send

from flashsale.http.callers import operator_in
from flashsale.http.endpoints import V1
from flashsale.http.requests import parse_json, receive_body
from flashsale.http.schemas.stores import PosSaleIn
from flashsale.staff.model import Operator
from flashsale.stores.domain.sale import PosSale
from flashsale.stores.service.selling import SaleOutcome
from flashsale.stores.service.session import PosCaller

_JSON = (b"content-type", b"application/json")
_REPLAYED = (b"idempotent-replayed", b"true")


class TillApi(Protocol):
    """What the tills' handlers share (``pos.PosApi``)."""

    async def at_till(self, clerk: Operator | None, till_token: str | None) -> PosCaller: ...

    async def sell(self, caller: PosCaller, body: PosSaleIn, key: str | None) -> SaleOutcome: ...

    async def receipt(self, sale: PosSale) -> bytes: ...


class PosSaleEndpoint:
    def __init__(self, api: TillApi) -> None:
        self._api = api

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        till = key = content_type = content_length = None
        for name, value in scope["headers"]:
            if name == b"till-token":
                till = value.decode("latin-1")
            elif name == b"idempotency-key":
                key = value.decode("latin-1")
            elif name == b"content-type":
                content_type = value.decode("latin-1")
            elif name == b"content-length":
                content_length = value.decode("latin-1")
        caller = await self._api.at_till(operator_in(scope), till)
        body = parse_json(
            await receive_body(receive, content_length), content_type, PosSaleIn, optional=False
        )
        outcome = await self._api.sell(caller, body, key)
        payload = await self._api.receipt(outcome.sale)
        headers = [
            _JSON,
            (b"content-length", str(len(payload)).encode()),
            (b"location", f"{V1}/pos/sales/{outcome.sale.id}".encode()),
        ]
        if outcome.replayed:
            headers.append(_REPLAYED)
        start: Message = {"type": "http.response.start", "status": 201, "headers": headers}
        await send(start)
        await send({"type": "http.response.body", "body": payload})
