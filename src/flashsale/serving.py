"""Serving a built Shop over HTTP with uvicorn, inside an event loop the caller already runs.

The CLI binds the socket itself, so that a busy port is a clear error rather than uvicorn's
``sys.exit`` from inside a task, and so that ``--port 0`` tells us which port it picked.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import resource
import socket
from collections.abc import AsyncIterator, Coroutine
from dataclasses import dataclass
from typing import Any, TypeVar

import uvicorn

from flashsale.bootstrap import Shop
from flashsale.config import Settings
from flashsale.http.server_limits import ServerLimits
from flashsale.platform.gc_tuning import tune_for_serving

T = TypeVar("T")

log = logging.getLogger(__name__)

# A flash-sale crowd connects all at once and then waits, kept alive, for the opening.
LISTEN_BACKLOG = 4096
KEEP_ALIVE_SECONDS = 75
# Descriptors a process needs besides its clients' connections: database, Redis, logs.
SPARE_DESCRIPTORS = 256


def uvicorn_options(settings: Settings, log_level: str = "info") -> dict[str, Any]:
    """What every flashsale server runs with, one process or many.

    Forwarded headers are read (by uvicorn, into the scope's client) only from the proxies
    named: uvicorn's own default would believe any process on 127.0.0.1, and its environment
    variable would be a second place settings come from.

    The protocol is uvicorn's httptools one with limits on slow and huge clients
    (http/server_limits.py); past FLASHSALE_HTTP_MAX_CONNECTIONS uvicorn answers 503.
    """
    limits = ServerLimits(
        max_header_bytes=settings.http_max_header_bytes,
        header_timeout=settings.http_header_timeout_seconds,
        body_timeout=settings.http_body_timeout_seconds,
    )
    make_room_for_connections(settings.http_max_connections)
    forwarded_allow_ips = settings.forwarded_allow_ips
    return {
        "http": limits.protocol(),
        "lifespan": "on",
        "access_log": False,
        "log_level": log_level,
        "backlog": LISTEN_BACKLOG,
        "timeout_keep_alive": KEEP_ALIVE_SECONDS,
        "limit_concurrency": settings.http_max_connections,
        "proxy_headers": bool(forwarded_allow_ips),
        "forwarded_allow_ips": forwarded_allow_ips or None,
    }


def make_room_for_connections(connections: int) -> None:
    """Raise this process's open-file limit (inherited by the workers it spawns) to fit the
    connection cap, as far as the hard limit allows: below the cap, accept() would fail
    for want of descriptors before uvicorn's 503 ever answered."""
    wanted = connections + SPARE_DESCRIPTORS
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY or soft >= wanted:
        return
    raised = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if raised > soft:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (raised, hard))
            soft = raised
    if soft < wanted:
        log.warning(
            "the open-file limit (%d) is below FLASHSALE_HTTP_MAX_CONNECTIONS (%d) plus %d"
            " spare: raise it (ulimit -n, LimitNOFILE=) or lower the cap",
            soft,
            connections,
            SPARE_DESCRIPTORS,
        )


class ServingError(RuntimeError):
    pass


class _Server(uvicorn.Server):
    """uvicorn's server, minus re-raising Ctrl-C after a graceful stop: the CLI ends quietly."""

    def handle_exit(self, sig: int, frame: Any) -> None:
        if self.should_exit:
            self.force_exit = True
        self.should_exit = True


@dataclass(slots=True)
class Serving:
    url: str
    server: uvicorn.Server
    task: asyncio.Task[None]

    def stop(self) -> None:
        self.server.should_exit = True

    async def until_stopped(self) -> None:
        await asyncio.shield(self.task)

    async def unless_stopped(self, work: Coroutine[Any, Any, T]) -> T | None:
        """Run ``work``; None when the server stopped first (Ctrl-C), which cancels the work."""
        job = asyncio.ensure_future(work)
        await asyncio.wait({job, self.task}, return_when=asyncio.FIRST_COMPLETED)
        if job.done():
            return job.result()
        job.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await job
        return None


def bind(host: str, port: int) -> socket.socket:
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
        sock = socket.socket(family, kind, proto)
    except OSError as exc:
        raise ServingError(f"cannot listen on {host}:{port}: {exc}") from exc
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
    except OSError as exc:
        sock.close()
        raise ServingError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
    return sock


def url_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


@contextlib.asynccontextmanager
async def serving(
    shop: Shop, host: str, port: int, *, log_level: str = "info"
) -> AsyncIterator[Serving]:
    """Serve until the block ends or Ctrl-C; the shop stays the caller's to close."""
    from flashsale.asgi import create_app

    sock = bind(host, port)
    options = uvicorn_options(shop.settings, log_level)
    config = uvicorn.Config(create_app(shop), **options)
    server = _Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:
            if task.done():
                break
            await asyncio.sleep(0.01)
        if not server.started:
            with contextlib.suppress(BaseException):
                await task
            raise ServingError("the HTTP server did not start; see the log above")
        tune_for_serving()
        yield Serving(url_of(sock), server, task)
    finally:
        server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await task
        sock.close()
