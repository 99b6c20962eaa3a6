"""Reading what a client sent: bounded JSON bodies validated by a model, and bearer tokens."""

from __future__ import annotations

from typing import TypeVar

import orjson
from pydantic import BaseModel, ValidationError
from starlette.requests import Request

from flashsale.domain.errors import AuthenticationFailed

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
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise _too_large()
    body = await request.body()
    if len(body) > MAX_BODY_BYTES:
        raise _too_large()
    if not body.strip():
        # An empty body carries no media type worth checking: clients label it variously.
        if optional:
            return model()
        raise EdgeError(400, "malformed-json", "Malformed JSON", "the request needs a JSON body")
    if "json" not in request.headers.get("content-type", "application/json"):
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


def bearer_token(request: Request) -> str:
    header = request.headers.get("authorization")
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
