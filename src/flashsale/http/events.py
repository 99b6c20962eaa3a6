"""The order event feed over HTTP, for integrators (admin):

    GET /api/v1/admin/events?after=CURSOR&limit=N&kind=order.paid,order.cancelled

Each page names the cursor to read on from; a reader that always asks ``after`` the last
``next_cursor`` reads every event once, in order.
"""

from __future__ import annotations

from typing import Protocol

from starlette.requests import Request
from starlette.responses import Response

from flashsale.http.callers import Callers, CallerServices
from flashsale.http.endpoints import V1, Endpoint
from flashsale.http.responses import json_response
from flashsale.http.schemas.events import EventPageOut, EventQuery
from flashsale.orders.service.events import OrderEvents


class EventServices(CallerServices, Protocol):
    order_events: OrderEvents


class EventsApi:
    def __init__(self, services: EventServices) -> None:
        self._events = services.order_events
        self._callers = Callers(services)

    async def events(self, request: Request) -> Response:
        self._callers.require_admin(request)
        query = EventQuery.of(request.query_params)
        page = await self._events.read(query.after, query.limit, query.kind)
        return json_response(EventPageOut.of(page, query.limit))


def endpoints(services: EventServices) -> list[Endpoint]:
    api = EventsApi(services)
    return [
        Endpoint(
            "GET",
            f"{V1}/admin/events",
            api.events,
            "The order event feed, page by page",
            "events",
            response=EventPageOut,
            query=EventQuery,
            auth="admin",
            problems=(401, 403, 422),
        ),
    ]
