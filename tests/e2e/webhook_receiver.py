"""A webhook receiver on 127.0.0.1 (a random port) for the tests: a real aiohttp server that
answers as the test scripts it and keeps every request it got."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

import pytest
from aiohttp import web
from standardwebhooks import Webhook


@dataclass(frozen=True, slots=True)
class Received:
    headers: dict[str, str]
    body: bytes

    @property
    def webhook_id(self) -> str:
        return self.headers["webhook-id"]

    def verified(self, secret: str) -> dict[str, object]:
        """The body, once ``standardwebhooks`` has checked its signature (or raised)."""
        found: dict[str, object] = Webhook(secret).verify(self.body, self.headers)
        return found


@dataclass
class Receiver:
    url: str
    received: list[Received] = field(default_factory=list)
    # The status of each request, from what it is; 204 unless a test says otherwise.
    answer: Callable[[Received], int] = lambda request: 204
    # While set, a request waits for ``release`` before it is answered.
    hold: asyncio.Event | None = None
    release: asyncio.Event = field(default_factory=asyncio.Event)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    def ids(self) -> list[str]:
        return [r.webhook_id for r in self.received]

    async def _handle(self, request: web.Request) -> web.Response:
        got = Received({k.lower(): v for k, v in request.headers.items()}, await request.read())
        self.received.append(got)
        self.arrived.set()
        if self.hold is not None:
            self.hold.set()
            await self.release.wait()
        status = self.answer(got)
        return web.Response(status=status, text="" if status < 300 else "no")


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    found = Receiver(url="")
    app = web.Application()
    app.router.add_post("/hook", found._handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    server = site._server
    assert server is not None
    port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
    found.url = f"http://127.0.0.1:{port}/hook"
    try:
        yield found
    finally:
        found.release.set()
        await runner.cleanup()
