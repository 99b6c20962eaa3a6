"""Reading what a client sent: bounded JSON bodies validated by a model, and bearer tokens.

Each rule is written once over raw ASGI values, so the Starlette handlers and the bare purchase
endpoint (purchase_endpoint.py) read requests the same way.
"""

from __future__ import annotations

from typing import TypeVar

import orjson
from pydantic import BaseModel, ValidationError
from starlette.requests import Request
from starlette.types import Receive, Scope

from flashsale.kernel.errors import AuthenticationFailed

MAX_BODY_BYTES = 64 * 1024
M = TypeVar("M", bound=BaseModel)


class EdgeError(Exception):
    """A request the HTTP edge refuses before any use case sees it."""

    def __init__(self, status: int, code: str, title: str, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.title = title
        self.detail = detail


async def read_json(request: Request, model: type[M], *, optional: bool = False) -> M:
    body = await receive_body(request.receive, request.headers.get("content-length"))
    return parse_json(body, request.headers.get("content-type"), model, optional=optional)


async def receive_body(receive: Receive, declared_length: str | None) -> bytes:
    """The whole request body, refused with 413 once it grows past MAX_BODY_BYTES.

    The wait is bounded by the server, for every body read alike (server_limits.py): a body
    that stalls past its deadline is answered 408 there, and ``receive`` here returns a
    disconnect. A disconnect ends the request as that refusal (408), not as an error: the
    answer reaches nobody, but nothing is logged as broken when a client leaves mid-body.
    """
    declared = declared_length or ""
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise _too_large()
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise _incomplete()
        chunk: bytes = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise _too_large()
        chunks.append(chunk)
        if not message.get("more_body", False):
            return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def parse_json(body: bytes, content_type: str | None, model: type[M], *, optional: bool) -> M:
    if not body.strip():
        # An empty body carries no media type worth checking: clients label it variously.
        if optional:
            return model()
        raise EdgeError(400, "malformed-json", "Malformed JSON", "the request needs a JSON body")
    if "json" not in (content_type or "application/json"):
        raise EdgeError(
            415, "unsupported-media-type", "Unsupported media type", "send application/json"
        )
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise EdgeError(400, "malformed-json", "Malformed JSON", str(exc)) from exc
    if not isinstance(data, dict):
        raise EdgeError(400, "malformed-json", "Malformed JSON", "the body must be a JSON object")
    return model.model_validate(data)


def _too_large() -> EdgeError:
    return EdgeError(
        413, "payload-too-large", "Payload too large", f"bodies are at most {MAX_BODY_BYTES} bytes"
    )


def _incomplete() -> EdgeError:
    return EdgeError(
        408, "request-timeout", "Request timeout", "the request body did not arrive in full"
    )


def header_of(scope: Scope, name: bytes) -> str | None:
    """A request header's value from the raw ASGI scope (``name`` in lower case)."""
    for key, value in scope["headers"]:
        if key == name:
            found: str = value.decode("latin-1")
            return found
    return None


def headers_of(scope: Scope, names: frozenset[bytes]) -> dict[bytes, str]:
    """The first value of each header of ``names`` (lower case) the request sent, in one pass."""
    found: dict[bytes, str] = {}
    for key, value in scope["headers"]:
        if key in names and key not in found:
            found[key] = value.decode("latin-1")
    return found


def bearer_token(request: Request) -> str:
    return bearer_token_of(request.headers.get("authorization"))


def bearer_token_of(header: str | None) -> str:
    if header is None:
        raise AuthenticationFailed("send Authorization: Bearer <token>")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationFailed("send Authorization: Bearer <token>")
    return token.strip()


def validation_details(error: ValidationError) -> list[dict[str, object]]:
    return [
        {"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]}
        for e in error.errors(include_url=False, include_input=False)
    ]
