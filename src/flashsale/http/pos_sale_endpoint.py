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

from starlette.types import Receive, Scope, Send

from flashsale.http.callers import operator_in
from flashsale.http.endpoints import V1
from flashsale.http.requests import headers_of, parse_json, receive_body
from flashsale.http.responses import send_created
from flashsale.http.schemas.stores import PosSaleIn
from flashsale.staff.model import Operator
from flashsale.stores.domain.sale import PosSale
from flashsale.stores.service.selling import SaleOutcome
from flashsale.stores.service.session import PosCaller

_READ = frozenset({b"till-token", b"idempotency-key", b"content-type", b"content-length"})


class TillApi(Protocol):
    """What the tills' handlers share (``pos.PosApi``)."""

    async def at_till(self, clerk: Operator | None, till_token: str | None) -> PosCaller: ...

    async def sell(self, caller: PosCaller, body: PosSaleIn, key: str | None) -> SaleOutcome: ...

    async def receipt(self, sale: PosSale) -> bytes: ...


class PosSaleEndpoint:
    def __init__(self, api: TillApi) -> None:
        self._api = api

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        sent = headers_of(scope, _READ)
        caller = await self._api.at_till(operator_in(scope), sent.get(b"till-token"))
        body = await receive_body(receive, sent.get(b"content-length"))
        sale = parse_json(body, sent.get(b"content-type"), PosSaleIn, optional=False)
        outcome = await self._api.sell(caller, sale, sent.get(b"idempotency-key"))
        location = f"{V1}/pos/sales/{outcome.sale.id}"
        receipt = await self._api.receipt(outcome.sale)
        await send_created(send, receipt, location, replayed=outcome.replayed)
