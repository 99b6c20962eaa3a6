"""The Redis adapters' Lua scripts, and how this process calls them.

Each script is a file in ``lua/``, shipped inside the package and read with
``importlib.resources``; the helpers several scripts call are in ``lua/lib/`` and go in front
of the script that names them, so a script sent to Redis is one self-contained chunk.

Concurrent single calls are coalesced (``Batcher``, ``Lanes``): one script call per sale per
round trip, because a redis-py call costs ~50 µs of client CPU.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Sequence
from importlib.resources import files
from typing import Generic, TypeVar

from redis.commands.core import AsyncScript

from flashsale.kernel.batching import Batcher
from flashsale.platform.redis.client import AnyRedis, open_redis

_LUA = files("flashsale.waiting_room.adapters") / "lua"


@functools.cache
def lua_source(script: str, *helpers: str) -> str:
    """``lua/<script>.lua``, after each of ``lua/lib/<helper>.lua`` it calls."""
    parts = [_LUA / "lib" / f"{helper}.lua" for helper in helpers] + [_LUA / f"{script}.lua"]
    return "\n".join(part.read_text(encoding="utf-8") for part in parts)


def register(redis: AnyRedis, script: str, *helpers: str) -> AsyncScript:
    return redis.register_script(lua_source(script, *helpers))


async def connect_redis(url: str, max_connections: int = 32) -> AnyRedis:
    return await open_redis(url, max_connections=max_connections)


_I = TypeVar("_I")
_R = TypeVar("_R")

LANES = 2


class Lanes(Generic[_I, _R]):
    """Batchers taking callers in turn, so that ``lanes`` batches may be in flight at once:
    while Redis runs one script, this process packs the next batch and reads the last answers
    (one lane left the client idle a fifth of the time, waiting). Only for requests owed no
    order among themselves: each request is decided atomically by its own batch's script."""

    def __init__(
        self, handler: Callable[[Sequence[_I]], Awaitable[Sequence[_R]]], lanes: int = LANES
    ) -> None:
        self._batchers = [Batcher(handler) for _ in range(lanes)]
        self._next = 0

    async def submit(self, item: _I) -> _R:
        self._next = (self._next + 1) % len(self._batchers)
        return await self._batchers[self._next].submit(item)

    async def wait_idle(self) -> None:
        for batcher in self._batchers:
            await batcher.wait_idle()
