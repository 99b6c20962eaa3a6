"""The waiting room on the flash-sale page: join the queue, watch the place live, buy once admitted.

The live part is one Server-Sent Events stream per page, fed by the room's own subscription (a
status is pushed only when it changes), so a crowd watching its places costs no polling. The
admission token never travels through the stream: the page reloads when the fan's state changes
to one the server must draw (admitted: the Buy form then carries the token).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Protocol

import orjson
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response, StreamingResponse
from starlette.routing import BaseRoute

from flashsale.http.admission import client_address
from flashsale.http.problems import status_and_title
from flashsale.kernel import errors
from flashsale.sales import errors as sale_errors
from flashsale.waiting_room.domain import errors as room_errors
from flashsale.waiting_room.domain.room import QueueState
from flashsale.waiting_room.service.room import WaitingRoom
from flashsale.web.forms import read_form
from flashsale.web.i18n import chosen, pick_locale, translations
from flashsale.web.kit import PageKit
from flashsale.web.room_panel import room_message, status_json

STREAM_SECONDS = 55.0  # then EventSource reconnects by itself: a stopping server waits for none
HEARTBEAT_SECONDS = 15.0


class QueueServices(Protocol):
    room: WaitingRoom


class QueuePages:
    def __init__(self, services: QueueServices, kit: PageKit) -> None:
        self._room = services.room
        self._security = kit.security
        self._storefront = kit.storefront

    async def join(self, request: Request) -> Response:
        form = await read_form(request)
        self._security.check_csrf(request, form)
        sale_id = request.path_params["sale_id"]
        customer_id = self._security.customer_id(request)
        if customer_id is None:
            return RedirectResponse(f"/login?next=/sales/{sale_id}", 303)
        challenge, nonce = form.get("challenge", ""), form.get("nonce", "")
        proof = (challenge, nonce) if challenge and nonce else None
        try:
            await self._room.join(sale_id, customer_id, client_address(request), proof)
        except (
            room_errors.ProofOfWorkRequired,
            room_errors.AddressCapReached,
            room_errors.TooManyRequests,
            room_errors.AdmissionRefused,
            sale_errors.NotRegistered,
            sale_errors.SaleClosed,
        ) as exc:
            status, _ = status_and_title(exc)
            return await self._storefront.sale(request, room_message(exc), status)
        return RedirectResponse(f"/sales/{sale_id}", 303)

    async def feed(self, request: Request) -> Response:
        customer_id = self._security.customer_id(request)
        if customer_id is None:
            raise errors.AuthenticationFailed("log in to follow your place in the queue")
        sale_id = request.path_params["sale_id"]
        # Refusals (no room, rate-limited) are answered before the stream starts.
        await self._room.status(sale_id, customer_id, client_address(request))
        room = self._room
        catalog = translations(await self._language(request, sale_id))

        async def stream() -> AsyncIterator[bytes]:
            yield b"retry: 1000\n\n"
            ends = time.monotonic() + STREAM_SECONDS
            async with room.subscribe(sale_id, customer_id) as subscription:
                while time.monotonic() < ends:
                    status = await subscription.next(HEARTBEAT_SECONDS)
                    if status is None:
                        yield b": keep-alive\n\n"
                        continue
                    yield b"data: " + orjson.dumps(status_json(status, catalog)) + b"\n\n"
                    if status.view.state is QueueState.CLOSED:
                        return

        return StreamingResponse(
            stream(),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
        )

    async def _language(self, request: Request, sale_id: str) -> str:
        """The page's language: the shopper's choice when there is one (no look-up), else the
        sale's market's (i18n.pick_locale)."""
        if chosen(request):
            return pick_locale(request)
        market = await self._storefront.market_of_path(f"/sales/{sale_id}")
        return pick_locale(request, market.locale if market else None)


def routes(services: QueueServices, kit: PageKit) -> list[BaseRoute]:
    queue = QueuePages(services, kit)
    return [
        kit.post("/sales/{sale_id}/queue", queue.join),
        kit.get("/sales/{sale_id}/queue/live", queue.feed),
    ]
