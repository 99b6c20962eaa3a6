"""JSON answers of the handlers: a response model, serialized once; or, for a bare ASGI
endpoint, bytes it made itself."""

from __future__ import annotations

from pydantic import BaseModel
from starlette.responses import Response
from starlette.types import Message, Send

JSON = "application/json"
_JSON_HEADER = (b"content-type", JSON.encode())
_REPLAYED = (b"idempotent-replayed", b"true")


def json_response(
    model: BaseModel, status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    return Response(model.model_dump_json(), status_code=status, headers=headers, media_type=JSON)


async def send_created(send: Send, payload: bytes, location: str, *, replayed: bool) -> None:
    """A bare endpoint's 201 with its JSON ``payload``, ``Location`` and, for the answer of an
    Idempotency-Key seen before, ``Idempotent-Replayed``."""
    headers = [
        _JSON_HEADER,
        (b"content-length", str(len(payload)).encode()),
        (b"location", location.encode()),
    ]
    if replayed:
        headers.append(_REPLAYED)
    start: Message = {"type": "http.response.start", "status": 201, "headers": headers}
    await send(start)
    await send({"type": "http.response.body", "body": payload})
