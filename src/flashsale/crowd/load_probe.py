"""Was the client the bottleneck? CPU used by a crowd's process and the lag of its event loop.

A crowd process that burns a whole core, or whose event loop wakes up late, measures itself
rather than the shop: its latencies include its own queueing. The rehearsal says so.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass

from flashsale.crowd.outcomes import percentile

TICK_SECONDS = 0.05
# Above these the crowd, not the shop, set the pace (a core is 1.0).
CPU_SHARE_LIMIT = 0.9
LOOP_LAG_P99_LIMIT_SECONDS = 0.1


@dataclass(frozen=True, slots=True)
class ClientLoad:
    pid: int
    fans: int
    wall_seconds: float
    cpu_seconds: float
    loop_lag_p99_seconds: float
    loop_lag_max_seconds: float
    shares_process_with_server: bool = False

    @property
    def cpu_share(self) -> float:
        return self.cpu_seconds / self.wall_seconds if self.wall_seconds > 0 else 0.0


class LoadProbe:
    """Measures this process while the crowd is busy: ``async with LoadProbe(...) as probe``."""

    def __init__(self, fans: int, *, shares_process_with_server: bool = False) -> None:
        self._fans = fans
        self._shared = shares_process_with_server
        self._lags: list[float] = []
        self._task: asyncio.Task[None] | None = None
        self._started = self._cpu = 0.0
        self.load: ClientLoad | None = None

    async def __aenter__(self) -> LoadProbe:
        self._started = time.perf_counter()
        self._cpu = time.process_time()
        self._task = asyncio.create_task(self._tick())
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        wall = time.perf_counter() - self._started
        cpu = time.process_time() - self._cpu
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self.load = ClientLoad(
            pid=os.getpid(),
            fans=self._fans,
            wall_seconds=wall,
            cpu_seconds=cpu,
            loop_lag_p99_seconds=percentile(self._lags, 0.99) or 0.0,
            loop_lag_max_seconds=max(self._lags, default=0.0),
            shares_process_with_server=self._shared,
        )

    async def _tick(self) -> None:
        while True:
            before = time.perf_counter()
            await asyncio.sleep(TICK_SECONDS)
            self._lags.append(max(0.0, time.perf_counter() - before - TICK_SECONDS))


def bottleneck(loads: Sequence[ClientLoad]) -> list[str]:
    """Why the client side may have limited the figures; empty when it kept up."""
    reasons = []
    for load in loads:
        who = f"client process {load.pid}"
        if load.shares_process_with_server:
            who += " (which also runs the server: use --clients to separate them)"
        if load.cpu_share >= CPU_SHARE_LIMIT:
            reasons.append(f"{who} used {load.cpu_share:.0%} of a core")
        if load.loop_lag_p99_seconds >= LOOP_LAG_P99_LIMIT_SECONDS:
            reasons.append(
                f"{who}: its event loop woke up {1000 * load.loop_lag_p99_seconds:.0f} ms late"
                " (p99)"
            )
    return reasons
