"""One read per key at a time: the callers that ask while it runs share its answer.

Under load every request in flight while a cached row was being read again read it too, each
on a connection of its own (benchmarks/pos.py showed it for prices, stores and tills)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class SingleFlight(Generic[K, V]):
    def __init__(self) -> None:
        self._flights: dict[K, asyncio.Future[V]] = {}

    async def do(self, key: K, call: Callable[[], Awaitable[V]]) -> V:
        """``call()``'s answer, from the call already running for ``key`` if there is one."""
        flight = self._flights.get(key)
        if flight is None:
            flight = self._flights[key] = asyncio.ensure_future(call())
            flight.add_done_callback(lambda _: self._flights.pop(key, None))
        # Shielded: a caller that gives up does not cancel the read the others wait for.
        return await asyncio.shield(flight)
