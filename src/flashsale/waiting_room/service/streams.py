"""Live streams of a customer's status: pushed by the room's loop whenever their view changes.

Sold out is therefore seen by every waiting stream within one tick.

A browser's EventSource cannot send an Authorization header, and a session token in a URL ends
up in access logs, proxies and browser history. So an API stream is opened with a stream
ticket instead (``StreamTickets``): asked for with the session token (``POST``), signed with a
key of its own (``Keys.stream_ticket``), bound to one customer and one sale, and good for
``STREAM_TICKET_SECONDS``. It opens that customer's stream of that sale and nothing else: it is
no session token, admission token or challenge (each kind has its own key and salt).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from itsdangerous import BadSignature, URLSafeSerializer

from flashsale.kernel.clock import Clock
from flashsale.kernel.errors import AuthenticationFailed
from flashsale.waiting_room.domain.room import Place, RoomConfig, RoomSummary, Standing
from flashsale.waiting_room.ports import RoomState
from flashsale.waiting_room.service.admission import AdmissionTokens
from flashsale.waiting_room.service.live import Live, LiveFigures
from flashsale.waiting_room.service.rooms import Rooms
from flashsale.waiting_room.service.status import QueueStatus, status_of

# Long enough to open the stream and for EventSource's reconnection after the server ends a
# stream (room_api.STREAM_SECONDS, then ``retry``); short enough that a ticket seen in a log is
# worthless by the time anyone reads it.
STREAM_TICKET_SECONDS = 60.0


@dataclass(frozen=True, slots=True)
class StreamTicket:
    ticket: str
    sale_id: str
    expires_at: datetime


class StreamTickets:
    """Stateless tickets ``[sale id, customer id, expires (epoch ms)]``, signed: checking one is
    one HMAC and no I/O, so any process of the fleet opens a stream another one ticketed."""

    def __init__(
        self, key: str, clock: Clock, lifetime_seconds: float = STREAM_TICKET_SECONDS
    ) -> None:
        self._serializer = URLSafeSerializer(key, salt="flashsale.stream-ticket")
        self._clock = clock
        self._lifetime = timedelta(seconds=lifetime_seconds)

    def issue(self, sale_id: str, customer_id: str) -> StreamTicket:
        expires_at = self._clock.now() + self._lifetime
        expires_ms = int(expires_at.timestamp() * 1000)
        ticket = str(self._serializer.dumps([sale_id, customer_id, expires_ms]))
        return StreamTicket(ticket, sale_id, datetime.fromtimestamp(expires_ms / 1000, UTC))

    def redeem(self, ticket: str, sale_id: str) -> str:
        """The customer the ticket opens ``sale_id``'s stream for; AuthenticationFailed when it
        is forged, expired, or for another sale."""
        try:
            value = self._serializer.loads(ticket)
        except BadSignature as exc:
            raise AuthenticationFailed("the stream ticket is not one this shop issued") from exc
        match value:
            case [str(ticket_sale), str(customer_id), int(expires_ms)]:
                if ticket_sale != sale_id:
                    raise AuthenticationFailed("the stream ticket is for another sale")
                if expires_ms <= int(self._clock.now().timestamp() * 1000):
                    raise AuthenticationFailed("the stream ticket has expired: ask for a new one")
                return customer_id
        raise AuthenticationFailed("the stream ticket is malformed")


class Subscription:
    """One live stream's latest status; a newer status replaces one not yet read."""

    def __init__(self, sale_id: str, customer_id: str) -> None:
        self.sale_id = sale_id
        self.customer_id = customer_id
        self.standing = Standing()
        self.last: QueueStatus | None = None
        self._pending: QueueStatus | None = None
        self._changed = asyncio.Event()

    def offer(self, status: QueueStatus) -> None:
        if status != self.last:
            self.last = self._pending = status
            self._changed.set()

    async def next(self, wait_seconds: float) -> QueueStatus | None:
        """The next changed status, or None after ``wait_seconds`` without one."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._changed.wait(), wait_seconds)
        self._changed.clear()
        status, self._pending = self._pending, None
        return status

    def needs_standing(self, summary: RoomSummary) -> bool:
        s = self.standing
        if s.place is Place.ABSENT or s.position is None:
            return True
        # Admitted since, or admitted and maybe bought since (at most stock-many such streams).
        return s.position <= summary.cursor and not s.used


class Streams:
    def __init__(
        self, rooms: Rooms, state: RoomState, live: LiveFigures, tokens: AdmissionTokens
    ) -> None:
        self._rooms = rooms
        self._state = state
        self._live = live
        self._tokens = tokens
        self._subscribers: dict[str, set[Subscription]] = defaultdict(set)

    def watched(self, sale_id: str) -> bool:
        """True while a stream of the sale is open."""
        return sale_id in self._subscribers

    @contextlib.asynccontextmanager
    async def subscribe(self, sale_id: str, customer_id: str) -> AsyncIterator[Subscription]:
        sale, room = await self._rooms.require(sale_id)
        subscription = Subscription(sale_id, customer_id)
        live = await self._live.of(sale, room)
        (subscription.standing,) = await self._state.standings(
            sale_id, [customer_id], live.facts.now_ms
        )
        subscription.offer(status_of(self._tokens, room, customer_id, subscription.standing, live))
        self._subscribers[sale_id].add(subscription)
        try:
            yield subscription
        finally:
            subscribers = self._subscribers.get(sale_id)
            if subscribers is not None:
                subscribers.discard(subscription)
                if not subscribers:
                    del self._subscribers[sale_id]

    async def notify(self, room: RoomConfig, live: Live) -> None:
        subscribers = list(self._subscribers.get(room.sale_id, ()))
        if not subscribers:
            return
        stale = [s for s in subscribers if s.needs_standing(live.summary)]
        if stale:
            # One batched read for every stream whose place may have changed.
            customers = [s.customer_id for s in stale]
            standings = await self._state.standings(room.sale_id, customers, live.facts.now_ms)
            for subscription, standing in zip(stale, standings, strict=True):
                subscription.standing = standing
        for subscription in subscribers:
            subscription.offer(
                status_of(self._tokens, room, subscription.customer_id, subscription.standing, live)
            )
