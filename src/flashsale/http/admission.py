"""The purchase path's one call into the waiting room.

The purchase endpoint awaits ``admit_purchase`` once, after it knows the customer. For a sale
with an open room (every sale created without room settings) it costs one set lookup and reads
no header; for a sale that enforces its room it applies the rate limits and spends the admission
token (header ``Admission-Token``). It takes the ASGI scope, so that a bare ASGI endpoint and a
Starlette handler (``request.scope``) can both call it.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.types import Scope

from flashsale.waiting_room.domain.errors import AdmissionRequired
from flashsale.waiting_room.service.room import WaitingRoom

ADMISSION_TOKEN_HEADER = b"admission-token"
# The queue's route (room_api.py), which a purchase without a token is sent to.
QUEUE_PATH = "/api/v1/sales/{sale_id}/queue"


def client_address(request: Request) -> str:
    return address_of(request.scope)


def address_of(scope: Scope) -> str:
    """The client's address: the peer's, or the one a trusted proxy forwarded (uvicorn puts it
    in the scope when FLASHSALE_FORWARDED_ALLOW_IPS names the proxy; nobody else is believed)."""
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


async def admit_purchase(room: WaitingRoom, scope: Scope, customer_id: str) -> None:
    sale_id: str = scope["path_params"]["sale_id"]
    if room.is_open(sale_id):
        return
    token = key = None
    for name, value in scope["headers"]:
        if name == ADMISSION_TOKEN_HEADER:
            token = value.decode("latin-1")
        elif name == b"idempotency-key":
            key = value.decode("latin-1")
    try:
        await room.admit_purchase(sale_id, customer_id, token, address_of(scope), key)
    except AdmissionRequired:
        # Over HTTP the refusal says where the token is had and how it is sent.
        raise AdmissionRequired(
            "this sale admits buyers through its waiting room: join the queue"
            f" (POST {QUEUE_PATH.format(sale_id=sale_id)}) and buy with the admission token"
            " in the Admission-Token header"
        ) from None
