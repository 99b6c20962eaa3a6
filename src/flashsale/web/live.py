"""Server-Sent Events: a page subscribes once and the server pushes a JSON snapshot each tick.

A stream ends after ``lifetime`` seconds and the browser's EventSource reconnects by itself
(``retry``): a server that is stopping is never held open by a dashboard left in a tab.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import orjson
from starlette.responses import StreamingResponse

RECONNECT_MS = 500


def event_stream(
    produce: Callable[[], Awaitable[dict[str, Any]]],
    *,
    interval: float = 1.0,
    lifetime: float = 15.0,
) -> StreamingResponse:
    async def events() -> AsyncIterator[bytes]:
        yield f"retry: {RECONNECT_MS}\n\n".encode()
        deadline = time.monotonic() + lifetime
        while time.monotonic() < deadline:
            yield b"data: " + orjson.dumps(await produce()) + b"\n\n"
            await asyncio.sleep(interval)

    return StreamingResponse(
        events(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


class Snapshots:
    """One computation per key and period, shared by every subscriber of that key.

    A hundred thousand fans watching one sale cost one look at its stock per period, not one
    each.
    """

    def __init__(self, period: float) -> None:
        self._period = period
        self._cached: dict[str, tuple[float, dict[str, Any]]] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def get(
        self, key: str, compute: Callable[[], Awaitable[dict[str, Any]]]
    ) -> dict[str, Any]:
        hit = self._cached.get(key)
        if hit is not None and time.monotonic() - hit[0] < self._period:
            return hit[1]
        async with self._locks.setdefault(key, asyncio.Lock()):
            hit = self._cached.get(key)
            if hit is not None and time.monotonic() - hit[0] < self._period:
                return hit[1]
            value = await compute()
            self._cached[key] = (time.monotonic(), value)
            return value
