"""The waiting room over HTTP: join, status, live events, challenge, fairness, admin.

The live stream is Server-Sent Events: the server pushes a ``status`` event whenever the
customer's view changes (position, admission, sold out, closed), so a page needs no polling.
Browsers' EventSource cannot send headers, and a session token never goes in a URL (logs,
proxies, history keep URLs): such a client first asks for a stream ticket with its session
token (``POST .../queue/stream-tickets``) and opens ``.../queue/events?ticket=...``; a client
that can send headers may open the stream with its bearer token instead. A stream ends by
itself after ``STREAM_SECONDS`` (EventSource reconnects by itself, told to by ``retry``, within
the ticket's minute): a server that is shutting down then never waits long for its open streams.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Protocol

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from flashsale.http.admission import QUEUE_PATH, client_address
from flashsale.http.callers import Callers, CallerServices
from flashsale.http.endpoints import Endpoint
from flashsale.http.requests import read_json
from flashsale.http.room_schemas import (
    ChallengeOut,
    FairnessEntryOut,
    FairnessOut,
    JoinIn,
    QueueStatusOut,
    StreamQuery,
    StreamTicketOut,
    WaitingRoomIn,
    WaitingRoomOut,
)
from flashsale.kernel.clock import Clock
from flashsale.kernel.errors import AuthenticationFailed
from flashsale.kernel.keys import Keys
from flashsale.sales.service.sale_directory import SaleDirectory
from flashsale.waiting_room.domain.errors import NoWaitingRoom, ProofOfWorkRequired
from flashsale.waiting_room.domain.room import QueueState
from flashsale.waiting_room.service.room import WaitingRoom
from flashsale.waiting_room.service.streams import StreamTickets

STREAM_SECONDS = 55.0
HEARTBEAT_SECONDS = 15.0
EVENT_STREAM = "text/event-stream"


def _json(
    model: QueueStatusOut
    | ChallengeOut
    | FairnessOut
    | FairnessEntryOut
    | StreamTicketOut
    | WaitingRoomOut,
    status: int = 200,
) -> Response:
    return Response(model.model_dump_json(), status_code=status, media_type="application/json")


class RoomServices(CallerServices, Protocol):
    room: WaitingRoom
    directory: SaleDirectory
    keys: Keys
    clock: Clock


class RoomApi:
    def __init__(self, services: RoomServices) -> None:
        self._room = services.room
        self._directory = services.directory
        self._callers = Callers(services)
        self._tickets = StreamTickets(services.keys.stream_ticket, services.clock)

    def _stream_customer(self, request: Request, sale_id: str) -> str:
        query = request.query_params
        if "access_token" in query:
            # Refused even when valid: the token has been in a URL, and should not be again.
            raise AuthenticationFailed(
                "a session token is not taken from the URL: open the stream with a ticket"
                f" (POST {QUEUE_PATH.format(sale_id=sale_id)}/stream-tickets)"
            )
        ticket = StreamQuery.of(query).ticket
        if ticket is None:
            return self._callers.customer(request)
        return self._tickets.redeem(ticket, sale_id)

    async def join(self, request: Request) -> Response:
        customer_id = self._callers.customer(request)
        sale_id = request.path_params["sale_id"]
        body = await read_json(request, JoinIn, optional=True)
        proof = None
        if body.challenge is not None and body.nonce is not None:
            proof = (body.challenge, body.nonce)
        try:
            status, new = await self._room.join(
                sale_id, customer_id, client_address(request), proof
            )
        except ProofOfWorkRequired as refused:
            if proof is not None:
                raise
            # Sent without a proof: the refusal says where a challenge is had.
            challenge = f"{QUEUE_PATH.format(sale_id=sale_id)}/challenge"
            raise ProofOfWorkRequired(f"{refused.detail} (GET {challenge})") from None
        return _json(QueueStatusOut.of(status), 201 if new else 200)

    async def queue_status(self, request: Request) -> Response:
        customer_id = self._callers.customer(request)
        status = await self._room.status(
            request.path_params["sale_id"], customer_id, client_address(request)
        )
        return _json(QueueStatusOut.of(status))

    async def stream_ticket(self, request: Request) -> Response:
        customer_id = self._callers.customer(request)
        sale_id = request.path_params["sale_id"]
        if await self._room.room_of(sale_id) is None:
            await self._directory.get(sale_id)  # 404 if no sale
            raise NoWaitingRoom("this sale has an open room: there is no queue to follow")
        ticket = self._tickets.issue(sale_id, customer_id)
        events = f"{QUEUE_PATH.format(sale_id=sale_id)}/events"
        return _json(StreamTicketOut.of(ticket, events), 201)

    async def queue_events(self, request: Request) -> Response:
        sale_id = request.path_params["sale_id"]
        customer_id = self._stream_customer(request, sale_id)
        # Refusals (no room, rate-limited) are answered as problems before the stream starts.
        await self._room.status(sale_id, customer_id, client_address(request))

        async def stream() -> AsyncIterator[str]:
            yield "retry: 1000\n\n"
            ends = time.monotonic() + STREAM_SECONDS
            async with self._room.subscribe(sale_id, customer_id) as subscription:
                while time.monotonic() < ends:
                    status = await subscription.next(HEARTBEAT_SECONDS)
                    if status is None:
                        yield ": keep-alive\n\n"
                        continue
                    data = QueueStatusOut.of(status).model_dump_json()
                    yield f"event: status\ndata: {data}\n\n"
                    if status.view.state is QueueState.CLOSED:
                        return

        return StreamingResponse(
            stream(),
            media_type=EVENT_STREAM,
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )

    async def challenge(self, request: Request) -> Response:
        customer_id = self._callers.customer(request)
        found = await self._room.challenge(request.path_params["sale_id"], customer_id)
        return _json(ChallengeOut.of(found))

    async def fairness(self, request: Request) -> Response:
        report = await self._room.fairness(request.path_params["sale_id"])
        return _json(FairnessOut.of(report))

    async def my_fairness_entry(self, request: Request) -> Response:
        customer_id = self._callers.customer(request)
        sale_id = request.path_params["sale_id"]
        report = await self._room.fairness(sale_id)
        return _json(FairnessEntryOut.of(sale_id, report.entry_of(customer_id)))

    async def put_room(self, request: Request) -> Response:
        self._callers.require_admin(request)
        body = await read_json(request, WaitingRoomIn, optional=True)
        room = await self._room.configure(request.path_params["sale_id"], body.settings())
        return _json(WaitingRoomOut.of(room))

    async def get_room(self, request: Request) -> Response:
        self._callers.require_admin(request)
        room = await self._room.room_of(request.path_params["sale_id"])
        if room is None:
            await self._directory.get(request.path_params["sale_id"])  # 404 if no sale
            raise NoWaitingRoom("this sale has an open room")
        return _json(WaitingRoomOut.of(room))


def endpoints(services: RoomServices) -> list[Endpoint]:
    api = RoomApi(services)
    queue = QUEUE_PATH
    admin = "/api/v1/admin/sales/{sale_id}/waiting-room"
    return [
        Endpoint(
            "POST",
            queue,
            api.join,
            "Join the sale's queue (200 if in it already)",
            "waiting room",
            201,
            also=(200,),
            body=JoinIn,
            body_optional=True,
            response=QueueStatusOut,
            auth="customer",
            problems=(401, 403, 404, 410, 422, 429),
        ),
        Endpoint(
            "GET",
            queue,
            api.queue_status,
            "My place in the queue, wait, chance, and my admission token once admitted",
            "waiting room",
            response=QueueStatusOut,
            auth="customer",
            problems=(401, 404, 429),
        ),
        Endpoint(
            "POST",
            f"{queue}/stream-tickets",
            api.stream_ticket,
            "A ticket that opens my live stream of this sale for a minute (for EventSource,"
            " which cannot send the session token)",
            "waiting room",
            201,
            response=StreamTicketOut,
            auth="customer",
            problems=(401, 404),
        ),
        Endpoint(
            "GET",
            f"{queue}/events",
            api.queue_events,
            "The same status, pushed as Server-Sent Events whenever it changes; opened with the"
            " bearer token, or with ?ticket= from stream-tickets (never a session token in the"
            " URL)",
            "waiting room",
            response=QueueStatusOut,
            auth="customer",
            problems=(401, 404, 429),
            query=StreamQuery,
            media_type=EVENT_STREAM,
            event="status",
        ),
        Endpoint(
            "GET",
            f"{queue}/challenge",
            api.challenge,
            "A proof-of-work challenge to join with",
            "waiting room",
            response=ChallengeOut,
            auth="customer",
            problems=(401, 404),
        ),
        Endpoint(
            "GET",
            f"{queue}/fairness",
            api.fairness,
            "The seed commitment, the published pre-queue by pseudonym, and (after the sale)"
            " its proof",
            "waiting room",
            response=FairnessOut,
            problems=(404,),
        ),
        Endpoint(
            "GET",
            f"{queue}/fairness/me",
            api.my_fairness_entry,
            "My pseudonym in the published pre-queue, and my place in it",
            "waiting room",
            response=FairnessEntryOut,
            auth="customer",
            problems=(401, 404),
        ),
        Endpoint(
            "PUT",
            admin,
            api.put_room,
            "Enforce a waiting room for the sale, or change its settings",
            "operator",
            body=WaitingRoomIn,
            body_optional=True,
            response=WaitingRoomOut,
            auth="admin",
            problems=(401, 403, 404, 422),
        ),
        Endpoint(
            "GET",
            admin,
            api.get_room,
            "The sale's waiting-room settings and commitment",
            "operator",
            response=WaitingRoomOut,
            auth="admin",
            problems=(401, 403, 404),
        ),
    ]
