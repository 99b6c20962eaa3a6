"""One table of endpoints: Starlette's routes and the OpenAPI document are both made from it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from flashsale.http.schemas.base import RequestQuery

Handler = Callable[[Request], Awaitable[Response]]
V1 = "/api/v1"


def _string() -> dict[str, Any]:
    return {"type": "string"}


@dataclass(frozen=True, slots=True)
class Header:
    """A header an endpoint reads or answers with, as the document states it."""

    name: str
    description: str
    schema: Mapping[str, Any] = field(default_factory=_string)
    required: bool = False


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
    # Other successes answered with the same body, such as 200 when the thing existed already.
    also: tuple[int, ...] = ()
    # "admin": the admin token, or a staff session with the admin role or one of ``roles``;
    # "staff": a staff session only (the admin token has none), with one of ``roles``, or any
    # role when none are named. http/guards.py enforces what is declared here.
    auth: Literal["none", "customer", "admin", "staff"] = "none"
    roles: tuple[str, ...] = ()
    # Refusals particular to the endpoint; those of its auth, body and parameters are implied.
    problems: tuple[int, ...] = ()
    query: type[RequestQuery] | None = None  # read by the handler with ``of``
    headers: tuple[Header, ...] = ()  # request headers the endpoint reads, for the doc
    response_headers: tuple[Header, ...] = ()  # on its success
    media_type: str = "application/json"
    # For text/event-stream: the name of the events, each of which carries a ``response``.
    event: str | None = None
    name: str | None = None  # the OpenAPI operationId; by default the handler's name
    # Routed ahead of every other endpoint: at the opening second nearly every request is the
    # purchase, and on a store's busy day the till's sale (after the purchase: the API's order).
    hot: bool = False

    @property
    def operation_id(self) -> str:
        if self.name is not None:
            return self.name
        named: str = getattr(self.handler, "__name__", type(self.handler).__name__)
        return named

    @property
    def accepted_roles(self) -> tuple[str, ...]:
        """The staff roles let through; empty where any staff member is. The admin role passes
        wherever staff may come (staff/model.py, ``accepts``)."""
        if self.auth == "admin":
            return ("admin", *self.roles)
        return self.roles


def routes(endpoints: Iterable[Endpoint]) -> list[Route]:
    """Starlette's routes: one per path, in the order the paths first come.

    A path that answers several methods is one route for all of them, so that a 405 there names
    every one in ``Allow`` (Starlette answers a method no route takes with the ``Allow`` of the
    first route whose path matched).
    """
    by_path: dict[str, dict[str, Handler | ASGIApp]] = {}
    for endpoint in endpoints:
        by_path.setdefault(endpoint.path, {})[endpoint.method.upper()] = endpoint.handler
    built: list[Route] = []
    for path, handlers in by_path.items():
        if len(handlers) == 1:
            ((method, handler),) = handlers.items()
            built.append(Route(path, handler, methods=[method]))
        else:
            served = _ByMethod({m: Route(path, h, methods=[m]).app for m, h in handlers.items()})
            built.append(Route(path, served, methods=list(handlers)))
    return built


class _ByMethod:
    """One path's apps by method; the route in front has let through only these methods."""

    def __init__(self, apps: dict[str, ASGIApp]) -> None:
        self._apps = dict(apps)
        if "GET" in apps:
            self._apps.setdefault("HEAD", apps["GET"])

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._apps[scope["method"]](scope, receive, send)
