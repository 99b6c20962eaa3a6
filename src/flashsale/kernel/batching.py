"""Coalesce concurrent callers into one call of a batch handler ("group commit").

While one batch is in flight, new arrivals queue; the moment it finishes they all leave together
in the next one. Under load batches grow by themselves; an idle caller waits for nothing but its
own round trip. One batch at a time is also what a single SQLite writer wants.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")

BatchHandler = Callable[[Sequence[T]], Awaitable[Sequence[R]]]


class Batcher(Generic[T, R]):
    def __init__(
        self,
        handler: BatchHandler[T, R],
        *,
        max_batch: int = 512,
        on_batch: Callable[[int], None] | None = None,
    ) -> None:
        self._handler = handler
        self._max_batch = max_batch
        self._on_batch = on_batch
        self._pending: list[tuple[T, asyncio.Future[R]]] = []
        self._runner: asyncio.Task[None] | None = None

    async def submit(self, item: T) -> R:
        return await self.enqueue(item)

    def enqueue(self, item: T) -> asyncio.Future[R]:
        """Queue ``item`` for the next batch; the batch runs whether or not anyone awaits it."""
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._pending.append((item, future))
        if self._runner is None:
            self._runner = asyncio.create_task(self._drain())
        return future

    async def _drain(self) -> None:
        try:
            while self._pending:
                # One pass of the loop lets every request already in flight join this batch.
                await asyncio.sleep(0)
                batch = self._pending[: self._max_batch]
                del self._pending[: self._max_batch]
                await self._run(batch)
        finally:
            self._runner = None

    async def _run(self, batch: list[tuple[T, asyncio.Future[R]]]) -> None:
        try:
            # Inside the guard: an observer that raises must fail the batch, not strand its callers.
            if self._on_batch is not None:
                self._on_batch(len(batch))
            results = await self._handler([item for item, _ in batch])
            if len(results) != len(batch):
                raise RuntimeError("a batch handler must answer every item")
        except Exception as exc:  # every caller of the batch learns of the failure
            for _, future in batch:
                if not future.done():
                    future.set_exception(exc)
            return
        for (_, future), result in zip(batch, results, strict=True):
            if not future.done():
                future.set_result(result)

    async def wait_idle(self) -> None:
        while self._runner is not None:
            await asyncio.shield(self._runner)
