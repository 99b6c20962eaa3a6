"""One table of endpoints: Starlette's routes and the OpenAPI document are both made from it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp

Handler = Callable[[Request], Awaitable[Response]]
V1 = "/api/v1"


@dataclass(frozen=True, slots=True)
class Endpoint:
    method: str
    path: str
    handler: Handler | ASGIApp  # an ASGI app serves its requests bare (purchase_endpoint.py)
    summary: str
    tag: str
    status: int = 200
    body: type[BaseModel] | None = None
    body_optional: bool = False
    response: type[BaseModel] | None = None
    auth: Literal["none", "customer", "admin"] = "none"
    problems: tuple[int, ...] = ()
    headers: tuple[str, ...] = ()  # request headers the endpoint reads, for the doc
    media_type: str = "application/json"
    name: str | None = None  # the OpenAPI operationId; by default the handler's name
    # Routed ahead of every other endpoint: at the opening second nearly every request is it.
    hot: bool = False

    @property
    def operation_id(self) -> str:
        if self.name is not None:
            return self.name
        named: str = getattr(self.handler, "__name__", type(self.handler).__name__)
        return named
