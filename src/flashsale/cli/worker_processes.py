"""``flashsale serve --workers N``: N uvicorn processes on one socket, each with its own Shop.

The parent binds the socket, settles the settings (secrets generated once, so that every worker
signs and checks the same session tokens and admin token) and then only supervises: uvicorn's
``Multiprocess`` spawns the workers, replaces one that dies and stops them all on Ctrl-C or
SIGTERM. The parent opens no connection and builds no Shop: connections, the gate client and
the commit batcher belong to one process's event loop, so each worker builds its own at
lifespan start-up (``ShopPerWorker``), then freezes its start-up heap (gc_tuning) as a single
server does.

Expiry: with ``--sweeper`` (the default) every worker runs the in-process sweeper. That is
safe: each expiry is a guarded state transition in the database (``WHERE status = 'reserved'``),
so of N sweepers racing for an order exactly one moves it and gives its units back; the cost is
N small polling queries a second. ``--no-sweeper`` leaves expiry to ``flashsale worker``.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import os
import signal
import socket
import sys
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import uvicorn
from uvicorn.config import STARTUP_FAILURE
from uvicorn.supervisors.multiprocess import Multiprocess

from flashsale.config import Settings
from flashsale.platform.gc_tuning import tune_for_serving
from flashsale.serving import ServingError

Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

_PR_SET_PDEATHSIG = 1


class ShopPerWorker:
    """An ASGI app that builds the Shop and the real app inside the worker process at start-up.

    Lifespan start-up opens the shop and hands the start-up message on to the app built from it
    (whose own lifespan starts the shop: gate rebuild, sweeper); shutdown closes the shop before
    uvicorn is told it is complete, so no connection outlives the worker's event loop.
    """

    def __init__(self, settings: Settings, sweeper: bool, point_of_sale_only: bool) -> None:
        self._settings = settings
        self._sweeper = sweeper
        self._point_of_sale_only = point_of_sale_only
        self._app: Callable[[Message, Receive, Send], Awaitable[None]] | None = None

    async def __call__(self, scope: Message, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(scope, receive, send)
            return
        assert self._app is not None, "uvicorn serves requests only after lifespan start-up"
        await self._app(scope, receive, send)

    async def _lifespan(self, scope: Message, receive: Receive, send: Send) -> None:
        # Imported in the worker: the supervising parent never loads the shop's code.
        from flashsale.asgi import create_app
        from flashsale.bootstrap import running_shop

        startup = await receive()
        async with contextlib.AsyncExitStack() as resources:
            try:
                shop = await resources.enter_async_context(running_shop(self._settings))
                shop.sweeper_in_process = self._sweeper
                shop.point_of_sale_only = self._point_of_sale_only
                self._app = create_app(shop)
            except Exception as exc:
                await send({"type": "lifespan.startup.failed", "message": repr(exc)})
                return
            replayed = False

            async def receive_again() -> Message:
                nonlocal replayed
                if not replayed:
                    replayed = True
                    return startup
                return await receive()

            async def send_through(message: Message) -> None:
                if message["type"] == "lifespan.startup.complete":
                    tune_for_serving()
                elif message["type"] == "lifespan.shutdown.complete":
                    await resources.aclose()
                await send(message)

            await self._app(scope, receive_again, send_through)


def worker_app(
    settings: Settings, sweeper: bool, point_of_sale_only: bool, supervisor: int
) -> ShopPerWorker:
    """uvicorn's app factory, called once in each worker process."""
    _die_with(supervisor)
    return ShopPerWorker(settings, sweeper, point_of_sale_only)


def _die_with(supervisor: int) -> None:
    # A supervisor killed with SIGKILL cannot stop its workers; without this they would keep
    # serving the shared socket, unsupervised, until someone found them.
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != supervisor:  # it died before prctl took effect
            os.kill(os.getpid(), signal.SIGTERM)


def supervise(
    settings: Settings,
    workers: int,
    sock: socket.socket,
    *,
    sweeper: bool,
    point_of_sale_only: bool = False,
    **options: Any,
) -> None:
    """Run ``workers`` processes serving ``sock`` until Ctrl-C or SIGTERM; uvicorn ``options``."""
    config = uvicorn.Config(
        functools.partial(worker_app, settings, sweeper, point_of_sale_only, os.getpid()),
        factory=True,
        workers=workers,
        **options,
    )
    supervisor = Multiprocess(config, sockets=[sock])
    supervisor.run()
    if any(worker.exitcode == STARTUP_FAILURE for worker in supervisor.processes):
        # uvicorn stops the others and returns as after Ctrl-C; the command must not exit 0.
        raise ServingError("a worker process failed to start; see its log above")
