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

from flashsale.lab.crowd.outcomes import percentile

TICK_SECONDS = 0.05
PEAK_WINDOW_SECONDS = 1.0
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
    # The busiest second's CPU of the event loop's thread (the average hides a saturated
    # opening second behind a quiet tail), and how late the fans' clicks left, p99: waiting
    # for a free connection, which is the shop's pace unless the CPU or the loop lag say not.
    cpu_peak_share: float = 0.0
    # The part of the loop lag spent running (time.thread_time), p99: the lag the client
    # caused itself, as opposed to a machine too busy to give its loop a core on time.
    loop_lag_own_p99_seconds: float = 0.0
    click_delay_p99_seconds: float = 0.0

    @property
    def cpu_share(self) -> float:
        return self.cpu_seconds / self.wall_seconds if self.wall_seconds > 0 else 0.0


class LoadProbe:
    """Measures this process while the crowd is busy: ``async with LoadProbe(...) as probe``."""

    def __init__(self, fans: int, *, shares_process_with_server: bool = False) -> None:
        self._fans = fans
        self._shared = shares_process_with_server
        self._lags: list[float] = []
        self._own_lags: list[float] = []
        self._late: list[float] = []
        self._peak = 0.0
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
            cpu_peak_share=self._peak,
            loop_lag_own_p99_seconds=percentile(self._own_lags, 0.99) or 0.0,
            click_delay_p99_seconds=percentile(self._late, 0.99) or 0.0,
        )

    def clicked_late(self, seconds: float) -> None:
        self._late.append(seconds)

    async def _tick(self) -> None:
        window_wall, window_cpu = time.perf_counter(), time.thread_time()
        while True:
            before, before_cpu = time.perf_counter(), time.thread_time()
            await asyncio.sleep(TICK_SECONDS)
            now = time.perf_counter()
            lag = max(0.0, now - before - TICK_SECONDS)
            self._lags.append(lag)
            # A loop can only be late by its own work for as long as it ran on a CPU: the
            # rest of a late wake-up was spent waiting for a core the machine gave elsewhere.
            self._own_lags.append(min(lag, time.thread_time() - before_cpu))
            if now - window_wall >= PEAK_WINDOW_SECONDS:
                cpu = time.thread_time()
                self._peak = max(self._peak, (cpu - window_cpu) / (now - window_wall))
                window_wall, window_cpu = now, cpu


def bottleneck(loads: Sequence[ClientLoad]) -> list[str]:
    """Why the client side may have limited the figures; empty when it kept up."""
    reasons = []
    for load in loads:
        who = f"client process {load.pid}"
        if load.shares_process_with_server:
            who += " (which also runs the server: use --clients to separate them)"
        if load.cpu_share >= CPU_SHARE_LIMIT:
            reasons.append(f"{who} used {load.cpu_share:.0%} of a core")
        elif load.cpu_peak_share >= CPU_SHARE_LIMIT:
            reasons.append(f"{who} used {load.cpu_peak_share:.0%} of a core in its busiest second")
        if min(load.loop_lag_p99_seconds, load.loop_lag_own_p99_seconds) >= (
            LOOP_LAG_P99_LIMIT_SECONDS
        ):
            reasons.append(
                f"{who}: its event loop woke up {1000 * load.loop_lag_p99_seconds:.0f} ms late"
                f" (p99), {1000 * load.loop_lag_own_p99_seconds:.0f} ms of it its own work"
            )
    return reasons
