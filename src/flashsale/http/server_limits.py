"""What the app server refuses from slow and huge clients, before the app sees a request.

uvicorn's httptools protocol buffers a request's head for as long and as large as the client
likes (httptools concatenates a header value piece by piece until it ends), and waits for a
head or a body forever. ``LimitedHttpToolsProtocol`` adds, per connection:

- a size limit on the request line and headers all told: the bytes read while a head is in
  progress are counted (one addition per read, not per byte) and past the limit the request is
  answered 431 and the connection closed, so nothing past the limit is buffered; the trailer
  fields after a chunked body, buffered alike, are held to the same limit;
- a deadline for the whole head, from its first byte (or from the connection's opening, for a
  connection that sends nothing), and one for the whole body, from the end of its head; either
  missed is answered 408 and the connection closed. A body read anywhere in the app (JSON,
  forms, a body nobody reads) is covered, and the app's read returns a disconnect, never hangs.

One timer per connection enforces both deadlines: it is armed when a request begins if none
is pending, and when it fires it either refuses, re-arms for the deadline now running, or, on a
connection between requests, lapses (uvicorn's keep-alive timeout governs idle connections).
A busy kept-alive connection so costs a timer every few seconds, not one per request.

Refusals are RFC 9457 problems, as every other refusal of this API (problems.EDGE_PROBLEMS).
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson
from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol
from uvicorn.server import ServerState

from flashsale.http.problems import EDGE_PROBLEMS, PROBLEM_CONTENT_TYPE

# The phase of the connection's current request, which says what its bytes are.
_HEAD = 0  # a head in progress, or awaited on a fresh connection: its bytes are counted
_IDLE = 1  # the request is complete: the next byte starts a head, no deadline runs
_BODY = 2  # the head is complete and the body (if any) is arriving
_CHUNK = 3  # a chunk's size line was read: data follows, or the trailer fields (counted)

# Timers may fire a little early (uvloop rounds to milliseconds); this much early is on time.
_TIMER_SLACK = 0.01

# The hooks on every request call the base class directly: cheaper than super(), per request.
_base = HttpToolsProtocol

_TITLES = {code: title for code, _, title in EDGE_PROBLEMS}


@dataclass(frozen=True, slots=True)
class ServerLimits:
    max_header_bytes: int
    header_timeout: float
    body_timeout: float

    def protocol(self) -> Callable[..., asyncio.Protocol]:
        """What uvicorn's ``http=`` option takes: builds a limited protocol per connection.
        A partial of a module-level class, so that ``serve --workers`` can send it to the
        processes it spawns."""
        return functools.partial(LimitedHttpToolsProtocol, limits=self)


class LimitedHttpToolsProtocol(HttpToolsProtocol):
    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
        *,
        limits: ServerLimits,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self._clock = self.loop.time
        self._max_head = limits.max_header_bytes
        self._header_timeout = limits.header_timeout
        self._body_timeout = limits.body_timeout
        self._phase = _HEAD
        self._head_bytes = 0
        self._since = 0.0  # when the running deadline's phase began, on the loop's clock
        self._timer: asyncio.TimerHandle | None = None
        self._timer_at = 0.0

    # asyncio.Protocol

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._since = self._clock()
        self._arm(self._since + self._header_timeout)

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        # Bytes read outside a body start or continue a head. Those of a pipelined head that
        # begins inside a body's last read go uncounted: at most one read more than the limit.
        if self._phase != _BODY:  # a head, or perhaps the trailer fields
            self._head_bytes += len(data)
            if self._head_bytes > self._max_head:
                self._past_the_limit(data)
                return
        _base.data_received(self, data)

    # httptools' parser callbacks

    def on_message_begin(self) -> None:
        _base.on_message_begin(self)
        self._phase = _HEAD
        self._since = now = self._clock()
        if self._timer is None:
            self._arm(now + self._header_timeout)

    def on_headers_complete(self) -> None:
        self._phase = _BODY
        self._head_bytes = 0
        self._since = now = self._clock()
        due = now + self._body_timeout
        if self._timer is None:
            self._arm(due)
        elif due < self._timer_at:  # only when the body's deadline is the shorter one
            self._timer.cancel()
            self._arm(due)
        _base.on_headers_complete(self)

    def on_chunk_header(self) -> None:
        # After the last chunk's size line (0) come the trailer fields: nothing tells them from
        # a data chunk's size line until data arrives, so the bytes count until it does.
        self._phase = _CHUNK
        self._head_bytes = 0

    def on_body(self, body: bytes) -> None:
        if self._phase == _CHUNK:
            self._phase = _BODY
            self._head_bytes = 0
        _base.on_body(self, body)

    def on_message_complete(self) -> None:
        self._phase = _IDLE
        _base.on_message_complete(self)

    def handle_websocket_upgrade(self) -> None:
        # The connection passes to another protocol, which keeps its own time.
        self._phase = _IDLE
        self._disarm()
        super().handle_websocket_upgrade()

    # the limits

    def _past_the_limit(self, data: bytes) -> None:
        """The read that crossed the limit may end the head within it and go on with a body
        or the next request: parse up to the limit, then refuse only a head still going."""
        within = len(data) - (self._head_bytes - self._max_head)
        super().data_received(data[:within])
        if self.transport.is_closing():
            return
        if self._head_bytes > self._max_head:  # no head (or trailer) ended within the limit
            limit = self._max_head
            detail = f"the request line and headers are limited to {limit} bytes in all"
            if self._phase == _CHUNK:
                detail = f"the trailer fields are limited to {limit} bytes in all"
            self._refuse(431, "request-header-fields-too-large", detail)
            return
        self.data_received(data[within:])

    def _arm(self, at: float) -> None:
        self._timer_at = at
        self._timer = self.loop.call_at(at, self._on_timer)

    def _disarm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _on_timer(self) -> None:
        self._timer = None
        phase = self._phase
        if phase == _IDLE or self.transport.is_closing():
            return
        timeout = self._header_timeout if phase == _HEAD else self._body_timeout
        now = self._clock()
        if self.flow.read_paused:
            # uvicorn stopped reading (a pipelined request waits, or the app has not read the
            # body it holds): the client cannot send meanwhile, so its clock starts again.
            self._since = now
            self._arm(now + timeout)
            return
        due = self._since + timeout
        if now < due - _TIMER_SLACK:
            self._arm(due)
            return
        what = "request line and headers" if phase == _HEAD else "request body"
        self._refuse(408, "request-timeout", f"the {what} did not arrive within {timeout:g} s")

    def _refuse(self, status: int, code: str, detail: str) -> None:
        """Answer with a problem and close; only close if a response is on the wire."""
        cycle = self.cycle
        if self._phase >= _BODY:  # the request refused is the current cycle's
            speak = cycle is None or (not self.pipeline and not cycle.response_started)
        else:  # a head: the current cycle, if any, is an earlier request's
            speak = cycle is None or cycle.response_complete
        if speak:
            self.transport.write(self._problem(status, code, detail))
        if cycle is not None and not cycle.response_complete:
            # Its app sees the client gone, and nothing it sends follows the refusal.
            cycle.disconnected = True
            cycle.message_event.set()
        self._phase = _IDLE
        self._disarm()
        self.transport.close()

    def _problem(self, status: int, code: str, detail: str) -> bytes:
        body = orjson.dumps(
            {
                "type": f"/problems/{code}",
                "title": _TITLES[code],
                "status": status,
                "detail": detail,
            }
        )
        lines = [STATUS_LINE[status]]
        for name, value in self.server_state.default_headers:
            lines += [name, b": ", value, b"\r\n"]
        lines += [
            b"content-type: " + PROBLEM_CONTENT_TYPE.encode() + b"\r\n",
            b"content-length: " + str(len(body)).encode() + b"\r\n",
            b"connection: close\r\n\r\n",
            body,
        ]
        return b"".join(lines)
