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
from flashsale.http.schemas.events import EventPageOut
from flashsale.kernel.errors import InvalidInput
from flashsale.orders.service.events import OrderEvents


class EventServices(CallerServices, Protocol):
    order_events: OrderEvents


class EventsApi:
    def __init__(self, services: EventServices) -> None:
        self._events = services.order_events
        self._callers = Callers(services)

    async def events(self, request: Request) -> Response:
        self._callers.require_admin(request)
        query = request.query_params
        limit_text = query.get("limit", "100")
        if not limit_text.isascii() or not limit_text.isdigit() or len(limit_text) > 6:
            raise InvalidInput("limit must be a whole number between 1 and 1000")
        limit = int(limit_text)
        page = await self._events.read(query.get("after"), limit, query.get("kind"))
        return json_response(EventPageOut.of(page, limit))


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
            auth="admin",
            problems=(401, 403, 422),
        ),
    ]
