"""The ASGI app factory: one Shop in, the API and the pages out.

Each domain's endpoints come from its module's ``endpoints(services)``, which reads only the
services its Protocol names (the Shop has them all): a new domain is one more line in ``API``.
"""

from __future__ import annotations

import contextlib
import logging
import re
import traceback
from collections.abc import AsyncIterator, Callable

import asyncpg.exceptions
import sqlalchemy.exc
from pydantic import ValidationError
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from flashsale.bootstrap import Shop
from flashsale.http import (
    address_book,
    catalog,
    channels,
    customers,
    desk,
    events,
    fulfilment,
    fulfilment_ops,
    operations,
    orders,
    pos,
    problems,
    refunds,
    reporting,
    room_api,
    sales,
    staff,
    stores,
    webhooks,
)
from flashsale.http.edge import RefuseControlCharacters
from flashsale.http.endpoints import Endpoint
from flashsale.http.endpoints import routes as endpoint_routes
from flashsale.http.guards import guarded
from flashsale.http.headers import SecurityHeaders
from flashsale.http.openapi import openapi_json
from flashsale.http.requests import EdgeError, validation_details
from flashsale.kernel.errors import DomainError
from flashsale.sales.ports import GateNotLoaded, GateUnavailable
from flashsale.web import web_routes
from flashsale.web.not_found import not_found_page, wants_html
from flashsale.web.routes import PAGES, POINT_OF_SALE_PAGES

log = logging.getLogger(__name__)

API: list[Callable[[Shop], list[Endpoint]]] = [
    operations.endpoints,
    catalog.endpoints,
    customers.endpoints,
    address_book.endpoints,
    sales.endpoints,
    orders.endpoints,
    room_api.endpoints,
    staff.endpoints,
    events.endpoints,
    refunds.endpoints,
    webhooks.endpoints,
    reporting.endpoints,
    desk.endpoints,
    fulfilment.endpoints,
    fulfilment_ops.endpoints,
    channels.endpoints,
    stores.endpoints,
    pos.endpoints,
]
# A server of the point of sale alone: the tills' and clerks' calls, and its operations.
POINT_OF_SALE_API: list[Callable[[Shop], list[Endpoint]]] = [
    operations.endpoints,
    staff.endpoints,
    pos.endpoints,
]


async def _domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    return problems.from_domain_error(exc)


async def _edge_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, EdgeError)
    return problems.problem(exc.status, exc.code, exc.title, exc.detail)


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ValidationError)
    return problems.problem(
        422,
        "validation-error",
        "Invalid input",
        f"{exc.error_count()} field(s) are not valid",
        extra={"errors": validation_details(exc)},
    )


async def _gate_unavailable(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, GateNotLoaded)
    log.warning("stock gate lost sale %s and could not rebuild it yet", exc.sale_id)
    return problems.problem(
        503,
        "gate-unavailable",
        "Stock gate unavailable",
        "the sale's stock gate is being rebuilt; nothing was taken, try again",
    )


async def _gate_unreachable(request: Request, exc: Exception) -> Response:
    log.warning("the stock gate did not answer: %s", exc)
    return problems.problem(
        503,
        "gate-unavailable",
        "Stock gate unavailable",
        "the stock gate did not answer; nothing was sold, try again with the same Idempotency-Key",
    )


async def _store_unavailable(request: Request, exc: Exception) -> Response:
    log.warning("the record is unavailable: %s", describe_database_error(exc))
    return problems.problem(
        503,
        "store-unavailable",
        "Store unavailable",
        "the shop's database did not answer in time; nothing was changed, try again",
    )


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404 and wants_html(request):  # a person's browser: a page
        return not_found_page(request)
    code = {404: "route-not-found", 405: "method-not-allowed"}.get(exc.status_code, "http-error")
    return problems.problem(
        exc.status_code,
        code,
        str(exc.detail),
        f"{request.method} {request.url.path}",
        headers=exc.headers,
    )


async def _database_error(request: Request, exc: Exception) -> Response:
    if not _is_data_error(exc):
        return await _unexpected(request, exc)
    log.warning(
        "the database refused a value on %s %s: %s",
        request.method,
        request.url.path,
        describe_database_error(exc),
    )
    return problems.problem(
        422, "invalid-data", "Value not accepted", "a value sent is not one the shop can store"
    )


async def _unexpected(request: Request, exc: Exception) -> Response:
    if isinstance(exc, sqlalchemy.exc.StatementError | asyncpg.exceptions.PostgresError):
        # Their messages carry what was sent (e-mails, password hashes): frames only.
        log.error(
            "unhandled error on %s %s: %s\n%s",
            request.method,
            request.url.path,
            describe_database_error(exc),
            "".join(traceback.format_tb(exc.__traceback__)).rstrip(),
        )
    else:
        log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return problems.problem(500, "internal-error", "Internal error", "this is a bug; it was logged")


_STATEMENT_TABLE = re.compile(r"\b(?:INTO|FROM|UPDATE)\s+\"?(\w+)", re.IGNORECASE)


def describe_database_error(exc: BaseException) -> str:
    """The error's type, SQLSTATE and statement name (verb and table); none of its data."""
    cause = exc.orig if isinstance(exc, sqlalchemy.exc.DBAPIError) else exc
    parts = [type(exc).__name__]
    if cause is not exc and cause is not None:
        parts.append(f"from {type(cause).__name__}")
    sqlstate = _sqlstate(exc)
    if sqlstate:
        parts.append(f"SQLSTATE {sqlstate}")
    statement = exc.statement if isinstance(exc, sqlalchemy.exc.StatementError) else None
    if statement:
        verb = statement.split(None, 1)[0].upper()
        table = _STATEMENT_TABLE.search(statement)
        parts.append(f"in {verb} {table.group(1)}" if table else f"in {verb}")
    return " ".join(parts)


def _sqlstate(exc: BaseException) -> str | None:
    """The SQLSTATE of a database error, looked for down the chain of causes."""
    seen: BaseException | None = exc
    for _ in range(4):
        if seen is None:
            return None
        code = getattr(seen, "sqlstate", None)
        if isinstance(code, str) and code:
            return code
        orig = getattr(seen, "orig", None)
        seen = orig if isinstance(orig, BaseException) else seen.__cause__
    return None


def _is_data_error(exc: BaseException) -> bool:
    # SQLSTATE class 22 ("data exception"): a value the database cannot take, such as a NUL
    # in text or a number out of its column's range. The asyncpg dialect reports some of them
    # as a plain DBAPIError, so the SQLSTATE decides.
    if isinstance(exc, sqlalchemy.exc.DataError | asyncpg.exceptions.DataError):
        return True
    return (_sqlstate(exc) or "").startswith("22")


def create_app(shop: Shop) -> Starlette:
    """The app serves ``shop``; the caller owns the shop and closes it after the app stops.

    A shop marked ``point_of_sale_only`` is served the point of sale's API and page alone.
    """
    builds = POINT_OF_SALE_API if shop.point_of_sale_only else API
    # Each behind the guard of the callers it declares (auth, roles): http/guards.py.
    endpoints = guarded([endpoint for build in builds for endpoint in build(shop)], shop)
    document = openapi_json(endpoints)

    async def openapi(request: Request) -> Response:
        return Response(document, media_type="application/json")

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await shop.start()
        try:
            yield
        finally:
            await shop.stop()

    # Starlette tries routes in order; the opening second's route goes first (measured ~3%).
    hot_first = sorted(endpoints, key=lambda e: not e.hot)
    # One route per path, so that a 405 names every method the path takes (Allow).
    routes: list[BaseRoute] = [*endpoint_routes(hot_first)]
    routes.append(Route("/openapi.json", openapi, methods=["GET"]))
    # The pages: after the API, so the purchase stays first.
    routes.extend(web_routes(shop, POINT_OF_SALE_PAGES if shop.point_of_sale_only else PAGES))
    return Starlette(
        routes=routes,
        lifespan=lifespan,
        # Pure ASGI: a scan of the path and query string, the purchase included; the pages'
        # security headers cost the API one prefix test.
        middleware=[
            Middleware(RefuseControlCharacters),
            Middleware(SecurityHeaders, hsts=shop.settings.environment == "production"),
        ],
        exception_handlers={
            DomainError: _domain_error,
            EdgeError: _edge_error,
            ValidationError: _validation_error,
            GateNotLoaded: _gate_unavailable,
            GateUnavailable: _gate_unreachable,
            # A pool that timed out or a database that went away: a moment, not a bug.
            sqlalchemy.exc.TimeoutError: _store_unavailable,
            sqlalchemy.exc.OperationalError: _store_unavailable,
            sqlalchemy.exc.InterfaceError: _store_unavailable,
            sqlalchemy.exc.DBAPIError: _database_error,
            asyncpg.exceptions.PostgresError: _database_error,
            HTTPException: _http_error,
            Exception: _unexpected,
        },
    )
