"""Sales channels over JSON (the operator's side):

    GET|POST /api/v1/admin/channels                 GET|PATCH /api/v1/admin/channels/{code}
    GET|PUT  /api/v1/admin/channels/{code}/prices   {prices: {sku: amount}}
    GET|PUT  /api/v1/admin/channels/{code}/pools    {pools: [{location, sku, units}]}
    POST     /api/v1/admin/channels/{code}/orders?format=amazon-flatfile|flipkart-json|json
    POST     /api/v1/admin/channels/{code}/returns?format=amazon-returns|amazon-flatfile|
                                                  flipkart-json|json
    GET      /api/v1/admin/channels/{code}/feed?format=amazon-json|flipkart-json|csv
    GET      /api/v1/admin/channels/{code}/feed.csv
    GET      /api/v1/admin/channels/{code}/reconciliation?from=&to=

Who: the admin token or an admin; supervisors everywhere here; the warehouse reads.
"""

from __future__ import annotations

from typing import Protocol

from starlette.requests import Request
from starlette.responses import Response

from flashsale.channels.domain.channel import ChannelKind
from flashsale.channels.domain.feeds import FeedFormat
from flashsale.channels.domain.parsing import ImportFormat
from flashsale.channels.domain.pool import PoolTarget
from flashsale.channels.domain.return_parsing import ReturnFormat
from flashsale.channels.errors import UnreadableImport
from flashsale.channels.service.assembly import Channels
from flashsale.http.callers import CallerServices
from flashsale.http.endpoints import V1, Endpoint, Header
from flashsale.http.problems import problem
from flashsale.http.requests import EdgeError, read_json
from flashsale.http.responses import json_response
from flashsale.http.schemas.channels import (
    ChannelChangeIn,
    ChannelIn,
    ChannelListOut,
    ChannelOut,
    ChannelPriceListOut,
    ChannelPriceOut,
    ChannelPricesIn,
    FeedOut,
    FeedQuery,
    ImportOut,
    ImportQuery,
    PoolListOut,
    PoolsIn,
    ReconciliationOut,
    ReconciliationQuery,
    ReturnsOut,
    ReturnsQuery,
)

MANAGERS = ("supervisor",)
READERS = ("supervisor", "warehouse")
# A record day's report: a million lines of about 150 bytes.
MAX_IMPORT_BYTES = 512 * 1024 * 1024
REPORT_TYPE = Header("Content-Type", "text/tab-separated-values (Amazon) or application/json")


class ChannelServices(CallerServices, Protocol):
    @property
    def channels(self) -> Channels: ...


async def read_file(request: Request) -> bytes:
    """The raw body, refused with 413 past MAX_IMPORT_BYTES (a report is no JSON request body:
    the 64 KiB bound of those does not apply)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_IMPORT_BYTES:
        raise _too_large()
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_IMPORT_BYTES:
            raise _too_large()
        chunks.append(chunk)
    return b"".join(chunks)


def _too_large() -> EdgeError:
    return EdgeError(
        413, "payload-too-large", "Payload too large", f"files are at most {MAX_IMPORT_BYTES} bytes"
    )


class ChannelApi:
    def __init__(self, services: ChannelServices) -> None:
        self._services = services

    @property
    def _c(self) -> Channels:
        return self._services.channels

    async def list(self, request: Request) -> Response:
        found = await self._c.book.all()
        return json_response(ChannelListOut(channels=[ChannelOut.of(c) for c in found]))

    async def add(self, request: Request) -> Response:
        body = await read_json(request, ChannelIn)
        made = await self._c.book.add(
            body.code, ChannelKind(body.kind), body.market, body.name, body.safety_buffer,
            body.active,
        )  # fmt: skip
        return json_response(ChannelOut.of(made), 201)

    async def get(self, request: Request) -> Response:
        return json_response(ChannelOut.of(await self._c.book.get(request.path_params["code"])))

    async def change(self, request: Request) -> Response:
        body = await read_json(request, ChannelChangeIn)
        changed = await self._c.book.change(
            request.path_params["code"], body.name, body.safety_buffer, body.active
        )
        return json_response(ChannelOut.of(changed))

    async def prices(self, request: Request) -> Response:
        code = request.path_params["code"].upper()
        found = await self._c.book.prices(code)
        return json_response(
            ChannelPriceListOut(channel=code, prices=[ChannelPriceOut.of(p) for p in found])
        )

    async def put_prices(self, request: Request) -> Response:
        code = request.path_params["code"].upper()
        body = await read_json(request, ChannelPricesIn)
        stored = await self._c.book.put_prices(code, sorted(body.prices.items()))
        return json_response(
            ChannelPriceListOut(channel=code, prices=[ChannelPriceOut.of(p) for p in stored])
        )

    async def pools(self, request: Request) -> Response:
        channel, pools = await self._c.pools.of(request.path_params["code"])
        return json_response(PoolListOut.of(channel, pools))

    async def put_pools(self, request: Request) -> Response:
        body = await read_json(request, PoolsIn)
        targets = [PoolTarget(p.location, p.sku, p.units) for p in body.pools]
        channel, pools = await self._c.pools.put(request.path_params["code"], targets)
        return json_response(PoolListOut.of(channel, pools))

    async def import_orders(self, request: Request) -> Response:
        query = ImportQuery.of(request.query_params)
        data = await read_file(request)
        try:
            done = await self._c.imports.run(
                request.path_params["code"], data, ImportFormat(query.format)
            )
        except UnreadableImport as exc:
            return _unreadable(exc)
        return json_response(ImportOut.of(done))

    async def import_returns(self, request: Request) -> Response:
        query = ReturnsQuery.of(request.query_params)
        data = await read_file(request)
        try:
            done = await self._c.returns.run(
                request.path_params["code"], data, ReturnFormat(query.format)
            )
        except UnreadableImport as exc:
            return _unreadable(exc)
        return json_response(ReturnsOut.of(done))

    async def feed(self, request: Request) -> Response:
        query = FeedQuery.of(request.query_params)
        made = await self._c.feeds.make(
            request.path_params["code"], FeedFormat(query.format), query.seller_id
        )
        return json_response(FeedOut(channel=made.channel, format=made.format.value,
                                     documents=made.documents))  # fmt: skip

    async def feed_csv(self, request: Request) -> Response:
        made = await self._c.feeds.make(request.path_params["code"], FeedFormat.CSV)
        return Response(made.body(), media_type=made.media_type)

    async def reconciliation(self, request: Request) -> Response:
        query = ReconciliationQuery.of(request.query_params)
        done = await self._c.reconciler.run(request.path_params["code"], query.start, query.end)
        return json_response(ReconciliationOut.of(done))


def endpoints(services: ChannelServices) -> list[Endpoint]:
    api = ChannelApi(services)
    tag = "channels"
    base = f"{V1}/admin/channels"
    one = f"{base}/{{code}}"
    return [
        Endpoint("GET", base, api.list, "Sales channels, by code", tag,
                 response=ChannelListOut, auth="admin", roles=READERS, problems=(401, 403)),
        Endpoint("POST", base, api.add, "Add a channel (in its market's currency)", tag, 201,
                 body=ChannelIn, response=ChannelOut, auth="admin", roles=MANAGERS,
                 problems=(401, 403, 409, 422)),
        Endpoint("GET", one, api.get, "One channel", tag, response=ChannelOut, auth="admin",
                 roles=READERS, problems=(401, 403, 404)),
        Endpoint("PATCH", one, api.change, "Rename a channel, set its buffer, (de)activate it",
                 tag, body=ChannelChangeIn, response=ChannelOut, auth="admin", roles=MANAGERS,
                 problems=(401, 403, 404, 422)),
        Endpoint("GET", f"{one}/prices", api.prices,
                 "A channel's prices (a SKU without one is not listed there)", tag,
                 response=ChannelPriceListOut, auth="admin", roles=READERS,
                 problems=(401, 403, 404)),
        Endpoint("PUT", f"{one}/prices", api.put_prices, "Set prices on a channel", tag,
                 body=ChannelPricesIn, response=ChannelPriceListOut, auth="admin",
                 roles=MANAGERS,
                 problems=(401, 403, 404, 422)),
        Endpoint("GET", f"{one}/pools", api.pools,
                 "A partner's pools: units, consumed, available, buffer, published", tag,
                 response=PoolListOut, auth="admin", roles=READERS, problems=(401, 403, 404)),
        Endpoint("PUT", f"{one}/pools", api.put_pools,
                 "Commit units at DCs to a partner (409 when a DC lacks the free units)", tag,
                 body=PoolsIn, response=PoolListOut, auth="admin", roles=MANAGERS,
                 problems=(401, 403, 404, 409, 422)),
        Endpoint("POST", f"{one}/orders", api.import_orders,
                 "Import a partner's order report (Amazon flat file, Flipkart shipments JSON"
                 " or neutral JSON): idempotent per order line", tag, response=ImportOut,
                 auth="admin", roles=MANAGERS, query=ImportQuery,
                 problems=(401, 403, 404, 413, 422), headers=(REPORT_TYPE,)),
        Endpoint("POST", f"{one}/returns", api.import_returns,
                 "Import a partner's cancellations and returns (Amazon's returns report or"
                 " cancelled order lines, Flipkart's returns or cancelled shipments, or neutral"
                 " JSON): idempotent per order line and kind", tag, response=ReturnsOut,
                 auth="admin", roles=MANAGERS, query=ReturnsQuery,
                 problems=(401, 403, 404, 409, 413, 422), headers=(REPORT_TYPE,)),
        Endpoint("GET", f"{one}/feed", api.feed,
                 "What the partner may sell, in its feed's shape (or CSV)", tag,
                 response=FeedOut, auth="admin", roles=READERS, query=FeedQuery,
                 problems=(401, 403, 404, 422)),
        Endpoint("GET", f"{one}/feed.csv", api.feed_csv,
                 "What the partner may sell, per pool, as CSV", tag, auth="admin",
                 roles=READERS, media_type="text/csv", problems=(401, 403, 404, 422)),
        Endpoint("GET", f"{one}/reconciliation", api.reconciliation,
                 "Per day and SKU: reported, imported, consumed, rejected, returned; flags the"
                 " partner's oversell", tag, response=ReconciliationOut, auth="admin",
                 roles=READERS, query=ReconciliationQuery, problems=(401, 403, 404, 422)),
    ]  # fmt: skip


def _unreadable(exc: UnreadableImport) -> Response:
    """A partner's file with nothing readable in it: 422, each line's problem listed."""
    lines = [{"line": n, "problem": why} for n, why in exc.problems]
    return problem(
        422, exc.code, "Nothing in the file is readable", exc.detail, extra={"lines": lines}
    )
